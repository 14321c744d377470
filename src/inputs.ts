import * as core from '@actions/core'
import { z } from 'zod'
import { ActionError } from './errors.js'
import {
  CASTREL_TRIGGERS,
  DEFAULT_URLS,
  MODES,
  ON_REMOVED,
  UPLOAD_STRATEGIES,
  VENDORS,
  vendorUrl,
  type Settings
} from './schema.js'
import { registerSecret } from './secrets.js'

/** Inputs that hold credentials: masked the moment they are read, before anything can log them. */
const SECRET_INPUTS = ['client-id', 'client-secret', 'api-key', 'github-token'] as const

/** Every input the action reads, with its action.yml default (tests check the two agree). */
export const INPUT_DEFAULTS: Record<string, string> = {
  vendor: '',
  paths: 'docs/**/*.md',
  mode: 'auto',
  'knowledge-base': '',
  'create-if-missing': 'true',
  'knowledge-base-name': '',
  'knowledge-base-description': '',
  'stackspot-ks-type': 'custom',
  'upload-strategy': 'auto',
  'client-id': '',
  'client-secret': '',
  realm: '',
  'api-key': '',
  'api-url': '',
  'auth-url': '',
  'organization-id': '',
  'project-id': '',
  trigger: 'always',
  'trigger-config': '{}',
  'url-sources': '',
  'remote-prefix': '',
  'on-removed': 'delete',
  'max-deletions': '25',
  'dry-run': 'auto',
  concurrency: '4',
  'processing-timeout': '600',
  'agent-id': '',
  'agent-url': DEFAULT_URLS.agent,
  'agent-streaming': 'true',
  prompt: '',
  comment: 'true',
  'github-token': ''
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment'])

function oneOf<T extends readonly [string, ...string[]]>(input: string, values: T) {
  return z.string().transform((value, ctx) => {
    const v = value.trim().toLowerCase()
    if ((values as readonly string[]).includes(v)) return v as T[number]
    ctx.addIssue({ code: 'custom', message: `\`${input}\` is "${value}"; it must be one of: ${values.join(', ')}.` })
    return z.NEVER
  })
}

function bool(input: string) {
  return z.string().transform((value, ctx) => {
    if (/^(true|True|TRUE)$/.test(value)) return true
    if (/^(false|False|FALSE)$/.test(value)) return false
    ctx.addIssue({ code: 'custom', message: `\`${input}\` is "${value}"; it must be \`true\` or \`false\`.` })
    return z.NEVER
  })
}

function int(input: string, min: number, max: number) {
  return z.string().transform((value, ctx) => {
    const n = Number(value)
    if (/^\s*\d+\s*$/.test(value) && n >= min && n <= max) return n
    ctx.addIssue({ code: 'custom', message: `\`${input}\` is "${value}"; it must be a whole number from ${min} to ${max}.` })
    return z.NEVER
  })
}

function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

const RawInputs = z.object({
  vendor: oneOf('vendor', VENDORS),
  paths: z.string(),
  mode: oneOf('mode', MODES),
  'knowledge-base': z.string(),
  'create-if-missing': bool('create-if-missing'),
  'knowledge-base-name': z.string(),
  'knowledge-base-description': z.string(),
  'stackspot-ks-type': oneOf('stackspot-ks-type', ['custom', 'api', 'snippet'] as const),
  'upload-strategy': oneOf('upload-strategy', UPLOAD_STRATEGIES),
  'client-id': z.string(),
  'client-secret': z.string(),
  realm: z.string(),
  'api-key': z.string(),
  'api-url': z.string(),
  'auth-url': z.string(),
  'organization-id': z.string(),
  'project-id': z.string(),
  trigger: oneOf('trigger', CASTREL_TRIGGERS),
  'trigger-config': z.string(),
  'url-sources': z.string(),
  'remote-prefix': z.string(),
  'on-removed': oneOf('on-removed', ON_REMOVED),
  'max-deletions': int('max-deletions', 0, 1_000_000),
  'dry-run': oneOf('dry-run', ['true', 'false', 'auto'] as const),
  concurrency: int('concurrency', 1, 32),
  'processing-timeout': int('processing-timeout', 10, 21_600),
  'agent-id': z.string(),
  'agent-url': z.string(),
  'agent-streaming': bool('agent-streaming'),
  prompt: z.string(),
  comment: bool('comment'),
  'github-token': z.string()
})

/** Reads one input the way `core.getInput` does, falling back to the action.yml default. */
export type InputReader = (name: string) => string

export const actionsInputReader: InputReader = (name) => core.getInput(name)

/**
 * Reads and validates every input. Throws an ActionError listing every problem at once, each
 * naming its input and the fix, before any network call is made.
 */
export function readSettings(read: InputReader, eventName: string): Settings {
  const raw: Record<string, string> = {}
  for (const [name, fallback] of Object.entries(INPUT_DEFAULTS)) {
    const value = read(name)
    if ((SECRET_INPUTS as readonly string[]).includes(name)) registerSecret(value)
    raw[name] = value === '' ? fallback : value
  }
  if (raw.vendor === '') {
    throw new ActionError(
      'Input `vendor` is required and was not supplied.',
      `Add \`vendor: stackspot\` (or ${VENDORS.filter((v) => v !== 'stackspot').join(', ')}) under \`with:\` in the workflow step.`
    )
  }
  const parsed = RawInputs.safeParse(raw)
  if (!parsed.success) {
    // Report the vendor's missing inputs in the same message, so one edit fixes the step.
    const vendor = VENDORS.find((v) => v === raw.vendor!.trim().toLowerCase())
    throw invalid([...parsed.error.issues.map((i) => i.message), ...(vendor ? missingCredentials(vendor, raw) : [])])
  }
  const r = parsed.data
  const vendor = r.vendor
  const problems: string[] = missingCredentials(vendor, raw)
  if (vendor === 'stackspot' && r['knowledge-base'] && !/^[a-z0-9][a-z0-9-_]*$/i.test(r['knowledge-base'].trim())) {
    problems.push(`\`knowledge-base\` must be a Knowledge Source slug (letters, digits, - and _): "${r['knowledge-base']}".`)
  }

  let triggerConfig: Record<string, unknown> = {}
  try {
    const value: unknown = JSON.parse(r['trigger-config'])
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object')
    triggerConfig = value as Record<string, unknown>
  } catch {
    problems.push(`\`trigger-config\` must be a JSON object, e.g. {"service_id": "svc-1"}: "${r['trigger-config']}".`)
  }
  if (vendor === 'castrel') problems.push(...castrelTriggerProblems(r.trigger, triggerConfig))

  const apiUrl = r['api-url'] || defaultApiUrl(vendor)
  // `{realm}` may appear in a user-given auth-url too (the emulator's printed URL has it).
  const authUrl = (r['auth-url'] || defaultAuthUrl(vendor, r.realm.trim())).replace('{realm}', encodeURIComponent(r.realm.trim()))
  for (const [input, value] of [
    ['api-url', apiUrl],
    ['auth-url', authUrl],
    ['agent-url', r['agent-url']]
  ] as const) {
    if (value === '') continue
    const check = vendorUrl(input).safeParse(value)
    if (!check.success) problems.push(...check.error.issues.map((i) => i.message))
  }

  const paths = lines(r.paths)
  if (paths.length === 0 || paths.every((p) => p.startsWith('!'))) {
    problems.push('`paths` must list at least one glob to include, e.g. docs/**/*.md.')
  }
  for (const p of paths) {
    const pattern = p.replace(/^!/, '')
    if (pattern.startsWith('/') || /^[a-z]:/i.test(pattern) || pattern.split('/').includes('..')) {
      problems.push(`\`paths\` entry "${p}" must be relative to the workspace and must not contain "..".`)
    }
  }
  const remotePrefix = r['remote-prefix'].trim()
  if (remotePrefix && (remotePrefix.startsWith('/') || remotePrefix.split('/').includes('..'))) {
    problems.push(`\`remote-prefix\` must be a relative path without "..": "${remotePrefix}".`)
  }
  const agentId = r['agent-id'].trim()
  if (agentId && vendor !== 'stackspot') {
    // The agent authenticates with the StackSpot service credential, which only a stackspot step has.
    problems.push('`agent-id` asks a StackSpot agent and works with `vendor: stackspot` only; use a separate stackspot step for the agent.')
  }
  if (agentId && !/^[A-Za-z0-9_-]+$/.test(agentId)) {
    problems.push(`\`agent-id\` must be an agent id or slug (letters, digits, - and _): "${agentId}".`)
  }
  if (problems.length > 0) throw invalid(problems)

  const dryRunInput = r['dry-run']
  return {
    vendor,
    paths,
    mode: r.mode,
    knowledgeBase: r['knowledge-base'].trim(),
    createIfMissing: r['create-if-missing'],
    knowledgeBaseName: r['knowledge-base-name'].trim(),
    knowledgeBaseDescription: r['knowledge-base-description'].trim(),
    stackspotKsType: r['stackspot-ks-type'],
    uploadStrategy: r['upload-strategy'],
    clientId: r['client-id'].trim(),
    clientSecret: r['client-secret'].trim(),
    realm: r.realm.trim(),
    apiKey: r['api-key'].trim(),
    apiUrl: apiUrl.replace(/\/+$/, ''),
    authUrl,
    organizationId: r['organization-id'].trim(),
    projectId: r['project-id'].trim(),
    trigger: r.trigger,
    triggerConfig,
    urlSources: lines(r['url-sources']),
    remotePrefix: remotePrefix && !remotePrefix.endsWith('/') ? `${remotePrefix}/` : remotePrefix,
    onRemoved: r['on-removed'],
    maxDeletions: r['max-deletions'],
    dryRun: dryRunInput === 'auto' ? PULL_REQUEST_EVENTS.has(eventName) : dryRunInput === 'true',
    concurrency: r.concurrency,
    processingTimeoutSeconds: r['processing-timeout'],
    agentId,
    agentUrl: r['agent-url'].replace(/\/+$/, ''),
    agentStreaming: r['agent-streaming'],
    prompt: r.prompt,
    comment: r.comment,
    githubToken: r['github-token'].trim()
  }
}

/** The inputs the vendor cannot work without, as read (before any other check). */
function missingCredentials(vendor: Settings['vendor'], raw: Record<string, string>): string[] {
  const problems: string[] = []
  const empty = (input: string) => raw[input]!.trim() === ''
  const need = (input: string, why: string) => {
    if (empty(input)) problems.push(`\`${input}\` is required ${why}.`)
  }
  if (vendor !== 'castrel') need('knowledge-base', `for vendor ${vendor} (the ${storeNoun(vendor)})`)
  if (vendor === 'stackspot') {
    need('client-id', "for vendor stackspot (the service credential's client id)")
    need('client-secret', "for vendor stackspot (the service credential's client key)")
    need('realm', 'for vendor stackspot (your StackSpot account realm)')
  }
  if (vendor === 'staffify') need('api-key', 'for vendor staffify (a project API key, sfy_live_…)')
  if (vendor === 'castrel') {
    need('api-key', 'for vendor castrel (a personal access token)')
    need('api-url', 'for vendor castrel (your Castrel instance, e.g. https://castrel.example.com)')
  }
  if (vendor === 'telzino') {
    const hasClient = !empty('client-id') || !empty('client-secret')
    if (empty('api-key') && !hasClient) {
      problems.push('vendor telzino needs either `api-key` (an access token) or `client-id` and `client-secret`.')
    } else if (hasClient && (empty('client-id') || empty('client-secret'))) {
      problems.push('vendor telzino: give both `client-id` and `client-secret`, or `api-key` instead.')
    }
  }
  return problems
}

function invalid(problems: string[]): ActionError {
  const list = problems.map((p) => `  - ${p}`).join('\n')
  return new ActionError(`Invalid input${problems.length > 1 ? 's' : ''}:\n${list}\nFix the step's \`with:\` block in the workflow file.`)
}

function storeNoun(vendor: Settings['vendor']): string {
  switch (vendor) {
    case 'stackspot':
      return 'Knowledge Source slug'
    case 'staffify':
      return 'knowledge base id kb_… or name'
    case 'telzino':
      return 'knowledge base id or name'
    case 'castrel':
      return 'unused'
  }
}

function defaultApiUrl(vendor: Settings['vendor']): string {
  return vendor === 'castrel' ? '' : DEFAULT_URLS[vendor].api
}

function defaultAuthUrl(vendor: Settings['vendor'], realm: string): string {
  if (vendor === 'stackspot') return realm ? DEFAULT_URLS.stackspot.auth.replace('{realm}', encodeURIComponent(realm)) : ''
  if (vendor === 'telzino') return DEFAULT_URLS.telzino.auth
  return ''
}

/** The Castrel docs' trigger table: which trigger_config key each trigger needs. */
const TRIGGER_REQUIRES: Partial<Record<Settings['trigger'], string>> = {
  application: 'application_id',
  service: 'service_id',
  infrastructure: 'infrastructure_id',
  connector: 'connector_id',
  bridge_node: 'bridge_node_client_id',
  proxy: 'proxy_id'
}

export function castrelTriggerProblems(trigger: Settings['trigger'], config: Record<string, unknown>): string[] {
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
