import { choice, jsonObject, missing, text, type InputValues, type RawInputs } from '../../input-kinds.js'
import type { SharedSettings } from '../../shared-settings.js'

export const TRIGGERS = ['smart', 'always', 'application', 'service', 'infrastructure', 'connector', 'bridge_node', 'proxy', 'alert'] as const

export const inputs = {
  apiKey: text('api-key', { secret: true }),
  /** When Castrel applies the synced knowledge. */
  trigger: choice('trigger', TRIGGERS, 'always'),
  /** The trigger's parameters (`service_id`, `match_patterns`…), a JSON object. */
  triggerConfig: jsonObject('trigger-config', '{}', '{"service_id": "svc-1"}')
}
type Values = InputValues<typeof inputs>

/** What the Castrel adapter needs from the run's settings. */
export interface CastrelSettings {
  /** A personal access token. */
  apiKey: string
  /** The customer's own Castrel instance. */
  apiUrl: string
  trigger: Values['trigger']
  triggerConfig: Record<string, unknown>
}

/** The run's settings as this vendor's module receives them: the shared ones and its own inputs. */
export type CastrelSettingsSource = SharedSettings & InputValues<typeof inputs>

export function castrelSettings(s: CastrelSettingsSource): CastrelSettings {
  return { apiKey: s.apiKey, apiUrl: s.apiUrl, trigger: s.trigger, triggerConfig: s.triggerConfig }
}

export function missingInputs(raw: RawInputs): string[] {
  return missing(raw, [
    ['api-key', 'for vendor castrel (a personal access token)'],
    ['api-url', 'for vendor castrel (your Castrel instance, e.g. https://castrel.example.com)']
  ])
}

/** The Castrel docs' trigger table: which trigger_config key each trigger needs. */
const TRIGGER_REQUIRES: Partial<Record<Values['trigger'], string>> = {
  application: 'application_id',
  service: 'service_id',
  infrastructure: 'infrastructure_id',
  connector: 'connector_id',
  bridge_node: 'bridge_node_client_id',
  proxy: 'proxy_id'
}

export function triggerProblems({ trigger, triggerConfig: config }: Pick<Values, 'trigger' | 'triggerConfig'>): string[] {
  const key = TRIGGER_REQUIRES[trigger]
  if (key) {
    const value = config[key]
    if (typeof value !== 'string' || value.trim() === '') {
      return [`\`trigger: ${trigger}\` needs \`trigger-config\` with a non-empty "${key}", e.g. {"${key}": "…"}.`]
    }
  }
  if (trigger === 'alert') {
    const patterns = config.match_patterns
    if (!Array.isArray(patterns) || patterns.length === 0 || !patterns.every((p) => typeof p === 'string' && p.trim() !== '')) {
      return ['`trigger: alert` needs `trigger-config` with a non-empty "match_patterns" array of strings, e.g. {"match_patterns": ["MySQL"]}.']
    }
  }
  return []
}
