/**
 * The settings every vendor shares. Apart from src/settings.ts so that vendor modules can name
 * them without importing the registry that lists the vendors (which would be an import cycle).
 */
import type { TrustedAssociations } from './agent/trust.js'

/** `doctor` checks the vendor's behaviour with a canary doc instead of syncing (src/doctor/). */
export const MODES = ['auto', 'changed', 'full', 'doctor'] as const
/** The modes that sync, the ones change detection knows. */
export type SyncMode = Exclude<(typeof MODES)[number], 'doctor'>
export const ON_REMOVED = ['delete', 'report'] as const

/** The StackSpot agent's public host, used when `agent-url` is empty. */
export const DEFAULT_AGENT_URL = 'https://genai-inference-app.stackspot.com'

/** The settings every vendor shares: what to sync, where, how, and the agent step. */
export interface SharedSettings<Vendor extends string = string> {
  /** The vendor whose store is synced. */
  vendor: Vendor
  /** Globs of the docs to sync, relative to the workspace; `!` excludes. */
  paths: string[]
  /** `changed` syncs what the event changed, `full` reconciles everything, `auto` picks per event; `doctor` runs the doctor instead of a sync. */
  mode: (typeof MODES)[number]
  /** The store: a StackSpot KS slug, a Staffify or Telzino knowledge base id or name; unused by Castrel. */
  knowledgeBase: string
  /** Create the store when it does not exist (never in a dry run). */
  createIfMissing: boolean
  /** Display name of a store this run creates, where the vendor names it apart from `knowledgeBase` ('' = `knowledgeBase`). */
  knowledgeBaseName: string
  /** Description of a store this run creates ('' = a generated one). */
  knowledgeBaseDescription: string
  /** The vendor API base URL, without a trailing slash ('' only for a vendor without a public host, when not given). */
  apiUrl: string
  /** The vendor's OAuth token endpoint ('' for vendors without OAuth). */
  authUrl: string
  /**
   * Whose docs these are in the store: a run only lists, replaces and deletes docs of its own
   * namespace. '' = the repository (`owner/name`), resolved by runSync from the run context.
   */
  namespace: string
  /** Prefix of every doc's key in the store, ending in `/` unless empty. */
  remotePrefix: string
  /** What happens to the remote copy of a deleted doc. */
  onRemoved: (typeof ON_REMOVED)[number]
  /** A run that would delete more remote docs than this fails and deletes nothing. */
  maxDeletions: number
  /** Plan only, write nothing (`dry-run: auto` resolved for the event). */
  dryRun: boolean
  /** Uploads and deletions run at most this many at a time. */
  concurrency: number
  /** How long one doc may take to be processed by the vendor before it counts as failed. */
  processingTimeoutSeconds: number
  /** The StackSpot agent to ask after the sync ('' = no agent step). */
  agentId: string
  /** The agent API base URL, without a trailing slash. */
  agentUrl: string
  /** Ask the agent for a streamed answer. */
  agentStreaming: boolean
  /** The agent prompt template ('' = the built-in one). */
  prompt: string
  /** Post the agent's answer as a pull request comment. */
  comment: boolean
  /** The PR comment's marker key ('' = derived from the workflow, job and knowledge base). */
  commentKey: string
  /** Whose reviews and review comments may reach the agent, by `author_association`. */
  agentTrustedAssociations: TrustedAssociations
  /** Token for the GitHub API (changed files, PR comment); '' = none. */
  githubToken: string
}
