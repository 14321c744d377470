import * as core from '@actions/core'
import { z } from 'zod'
import { COMMENT_KEY } from './agent/marker.js'
import { trustedAssociationsInput } from './agent/trust.js'
import { ActionError } from './errors.js'
import { choice, flag, list, missing, text, vendorUrl, verbatim, wholeNumber, type InputSpec, type InputValues, type RawInputs } from './input-kinds.js'
import { namespaceProblem, normalizeNamespace } from './namespace.js'
import { registerSecret } from './secrets.js'
import { DEFAULT_AGENT_URL, MODES, ON_REMOVED, type Settings } from './settings.js'
import { VENDOR_IDS, findVendor, vendorInputs } from './vendors/registry.js'
import type { VendorModule } from './vendors/types.js'

/** What to sync, and into which store. */
const STORE_INPUTS = {
  vendor: choice('vendor', VENDOR_IDS),
  paths: list('paths', 'docs/**/*.md'),
  mode: choice('mode', MODES, 'auto'),
  knowledgeBase: text('knowledge-base'),
  createIfMissing: flag('create-if-missing', 'true'),
  knowledgeBaseName: text('knowledge-base-name'),
  knowledgeBaseDescription: text('knowledge-base-description')
}

/** Where the vendor is; empty means the chosen vendor's public host. */
const CONNECTION_INPUTS = {
  apiUrl: verbatim('api-url'),
  authUrl: verbatim('auth-url')
}

const RUN_INPUTS = {
  namespace: text('namespace'),
  remotePrefix: text('remote-prefix'),
  onRemoved: choice('on-removed', ON_REMOVED, 'delete'),
  maxDeletions: wholeNumber('max-deletions', '25', 0, 1_000_000),
  dryRun: choice('dry-run', ['true', 'false', 'auto'], 'auto'),
  concurrency: wholeNumber('concurrency', '4', 1, 32),
  processingTimeoutSeconds: wholeNumber('processing-timeout', '600', 10, 21_600)
}

const AGENT_INPUTS = {
  agentId: text('agent-id'),
  agentUrl: verbatim('agent-url', DEFAULT_AGENT_URL),
  agentStreaming: flag('agent-streaming', 'true'),
  prompt: verbatim('prompt'),
  comment: flag('comment', 'true'),
  commentKey: text('comment-key'),
  agentTrustedAssociations: trustedAssociationsInput('agent-trusted-associations'),
  githubToken: text('github-token', { secret: true })
}

/**
 * Every input the action reads, grouped as in action.yml, keyed by its Settings field. Every
 * vendor's inputs are checked whichever vendor is chosen, and bad values are listed in this order.
 */
const INPUTS = { ...STORE_INPUTS, ...vendorInputs(), ...CONNECTION_INPUTS, ...RUN_INPUTS, ...AGENT_INPUTS }
const SPECS: ReadonlyArray<readonly [field: string, spec: InputSpec]> = Object.entries(INPUTS)
const ActionInputs = z.object(Object.fromEntries(SPECS.map(([, spec]) => [spec.name, spec.schema])))

/** Every input the action reads, in action.yml order: the command line's flags and help come from these. */
export const INPUT_SPECS: readonly InputSpec[] = SPECS.map(([, spec]) => spec)

/** Every input the action reads, with its action.yml default (tests check the two agree). */
export const INPUT_DEFAULTS: Record<string, string> = Object.fromEntries(SPECS.map(([, spec]) => [spec.name, spec.default]))

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment'])

/** Reads one input the way `core.getInput` does, falling back to the action.yml default. */
export type InputReader = (name: string) => string

export const actionsInputReader: InputReader = (name) => core.getInput(name)

/** Where a front end's user sets inputs, for the end of each message about them. */
export interface InputFixHints {
  /** How to give `vendor`, e.g. `vendor: stackspot`. */
  addVendor(first: string, others: readonly string[]): string
  /** The closing sentence of a list of bad inputs. */
  readonly fix: string
}

export const ACTION_FIX_HINTS: InputFixHints = {
  addVendor: (first, others) => `Add \`vendor: ${first}\` (or ${others.join(', ')}) under \`with:\` in the workflow step.`,
  fix: "Fix the step's `with:` block in the workflow file."
}

/**
 * Reads and validates every input. Throws an ActionError listing every problem at once, each
 * naming its input and the fix, before any network call is made.
 */
export function readSettings(read: InputReader, eventName: string, where: InputFixHints = ACTION_FIX_HINTS): Settings {
  const raw: Record<string, string> = {}
  for (const [, spec] of SPECS) {
    const value = read(spec.name)
    // Masked the moment it is read, before anything can log it.
    if (spec.secret) registerSecret(value)
    raw[spec.name] = value === '' ? spec.default : value
  }
  const given = (input: string) => raw[input] ?? ''
  if (given('vendor') === '') {
    const [first, ...others] = VENDOR_IDS
    throw new ActionError('Input `vendor` is required and was not supplied.', where.addVendor(first!, others))
  }
  const parsed = ActionInputs.safeParse(raw)
  if (!parsed.success) {
    // Report the vendor's missing inputs in the same message, so one edit fixes the step.
    const vendor = findVendor(given('vendor').trim().toLowerCase())
    throw invalid([...parsed.error.issues.map((i) => i.message), ...(vendor ? missingInputs(vendor, raw) : [])], where)
  }
  const v = Object.fromEntries(SPECS.map(([field, spec]) => [field, parsed.data[spec.name]])) as InputValues<typeof INPUTS>
  const vendor = findVendor(v.vendor)!

  const problems: string[] = missingInputs(vendor, raw)
  const storeProblem = vendor.knowledgeBaseProblem?.(given('knowledge-base'))
  if (storeProblem) problems.push(storeProblem)
  for (const [, spec] of SPECS) {
    const problem = spec.check?.(given(spec.name))
    if (problem) problems.push(problem)
  }
  problems.push(...(vendor.problems?.(v) ?? []))

  const apiUrl = v.apiUrl || vendor.defaultApiUrl
  const authUrl = vendor.authUrl ? vendor.authUrl(v.authUrl, v) : v.authUrl
  for (const [input, value] of [
    ['api-url', apiUrl],
    ['auth-url', authUrl],
    ['agent-url', v.agentUrl]
  ] as const) {
    if (value === '') continue
    const check = vendorUrl(input).safeParse(value)
    if (!check.success) problems.push(...check.error.issues.map((i) => i.message))
  }

  if (v.paths.length === 0 || v.paths.every((p) => p.startsWith('!'))) {
    problems.push('`paths` must list at least one glob to include, e.g. docs/**/*.md.')
  }
  for (const p of v.paths) {
    const pattern = p.replace(/^!/, '')
    if (pattern.startsWith('/') || /^[a-z]:/i.test(pattern) || pattern.split('/').includes('..')) {
      problems.push(`\`paths\` entry "${p}" must be relative to the workspace and must not contain "..".`)
    }
  }
  const namespaceIssue = namespaceProblem(v.namespace)
  if (namespaceIssue) problems.push(namespaceIssue)
  if (v.remotePrefix && (v.remotePrefix.startsWith('/') || v.remotePrefix.split('/').includes('..'))) {
    problems.push(`\`remote-prefix\` must be a relative path without "..": "${v.remotePrefix}".`)
  }
  if (v.agentId && vendor.id !== 'stackspot') {
    // The agent authenticates with the StackSpot service credential, which only a stackspot step has.
    problems.push('`agent-id` asks a StackSpot agent and works with `vendor: stackspot` only; use a separate stackspot step for the agent.')
  }
  if (v.agentId && !/^[A-Za-z0-9_-]+$/.test(v.agentId)) {
    problems.push(`\`agent-id\` must be an agent id or slug (letters, digits, - and _): "${v.agentId}".`)
  }
  if (v.commentKey && !COMMENT_KEY.test(v.commentKey)) {
    problems.push(`\`comment-key\` may hold only letters, digits, ".", "_" and "-" (at most 64): "${v.commentKey}".`)
  }
  if (problems.length > 0) throw invalid(problems, where)

  // Every field as parsed, every vendor's included; these few are finished here.
  return {
    ...v,
    vendor: vendor.id,
    apiUrl: apiUrl.replace(/\/+$/, ''),
    authUrl,
    namespace: normalizeNamespace(v.namespace),
    remotePrefix: v.remotePrefix && !v.remotePrefix.endsWith('/') ? `${v.remotePrefix}/` : v.remotePrefix,
    dryRun: v.dryRun === 'auto' ? PULL_REQUEST_EVENTS.has(eventName) : v.dryRun === 'true',
    agentUrl: v.agentUrl.replace(/\/+$/, '')
  }
}

/** The inputs the vendor cannot work without, as read (before any other check). */
function missingInputs(vendor: VendorModule, raw: RawInputs): string[] {
  const store = vendor.storeNoun ? missing(raw, [['knowledge-base', `for vendor ${vendor.id} (the ${vendor.storeNoun})`]]) : []
  return [...store, ...vendor.missingInputs(raw)]
}

function invalid(problems: string[], where: InputFixHints): ActionError {
  const list = problems.map((p) => `  - ${p}`).join('\n')
  return new ActionError(`Invalid input${problems.length > 1 ? 's' : ''}:\n${list}\n${where.fix}`)
}
