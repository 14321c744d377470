/** Castrel's `{code, message, data}` envelope, and the checks on bodies, triggers, data and labels. */
import { EmuError, type EmuRequest } from '../../framework.ts'

const TYPES = ['default', 'document']
const TRIGGER_NEEDS: Record<string, string | null> = {
  smart: null,
  always: null,
  application: 'application_id',
  service: 'service_id',
  infrastructure: 'infrastructure_id',
  connector: 'connector_id',
  bridge_node: 'bridge_node_client_id',
  proxy: 'proxy_id',
  alert: 'match_patterns'
}

export const ok = (data: unknown) => ({ status: 200, json: { code: 200, message: 'common.success', data } })
/** The documented quirk: a refused request is still HTTP 200, with the error in `code`. */
export const refused = (message: string, code = 400) => new EmuError(200, { code, message, data: null })

export function body(req: EmuRequest): Record<string, any> {
  const b = req.json()
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw refused('common.invalid_body')
  return b as Record<string, any>
}

export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw refused('knowledge.name_required')
  if (name.length > 255) throw refused('knowledge.name_too_long')
  return name
}

export function checkTrigger(trigger: unknown, config: unknown): void {
  if (typeof trigger !== 'string' || !(trigger in TRIGGER_NEEDS)) throw refused('knowledge.invalid_trigger')
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw refused('knowledge.trigger_config_required')
  const need = TRIGGER_NEEDS[trigger]
  const c = config as Record<string, unknown>
  if (need === 'match_patterns') {
    if (!Array.isArray(c.match_patterns) || c.match_patterns.length === 0) throw refused('knowledge.alert_requires_match_patterns')
  } else if (need && (typeof c[need] !== 'string' || (c[need] as string).trim() === '')) {
    throw refused(`knowledge.${trigger}_requires_${need}`)
  }
}

export function checkData(type: unknown, data: unknown): void {
  if (typeof type !== 'string' || !TYPES.includes(type)) throw refused('knowledge.invalid_type')
  if (!data || typeof data !== 'object') throw refused('knowledge.data_required')
  const d = data as Record<string, unknown>
  if (type === 'default' && typeof d.content !== 'string') throw refused('knowledge.default_requires_content')
  if (type === 'document' && typeof d.document_content !== 'string' && (typeof d.document_id !== 'string' || d.document_id === '')) {
    throw refused('knowledge.document_requires_document_content_or_document_id')
  }
}

export function checkLabels(labels: unknown): void {
  if (labels === undefined || labels === null) return
  if (typeof labels !== 'object' || Array.isArray(labels)) throw refused('knowledge.invalid_labels')
  for (const k of Object.keys(labels)) if (k.trim() === '') throw refused('knowledge.label_key_empty')
}
