/**
 * The hidden marker that makes the PR comment "sticky". It names the knowledge base and carries a
 * key for the workflow and job that wrote it, so each (workflow, job, knowledge base) keeps its
 * own comment even when several workflows post as `github-actions[bot]`; and it carries the
 * agent's conversation id, so the next run of the same job continues the same conversation. It is
 * always the first line of a comment we wrote.
 */
import { createHash } from 'node:crypto'

const PREFIX = '<!-- knowledge-sync:stackspot:'

/** A `comment-key` input: letters, digits, `.`, `_` and `-`. */
export const COMMENT_KEY = /^[A-Za-z0-9._-]{1,64}$/

/** Marker text may not contain spaces or `--`; anything else is replaced. */
function markerSafe(value: string): string {
  return value.replace(/[^A-Za-z0-9._/-]/g, '_').replace(/-{2,}/g, '-')
}

/**
 * The key of this step's comment: the `comment-key` input, else a hash of the workflow file, the
 * job id and the knowledge base. GITHUB_WORKFLOW_REF names the file (its `@ref` suffix is dropped:
 * pull_request and pull_request_review runs of one workflow see different refs); without it the
 * workflow's name stands in.
 */
export function commentKey(given: string, env: { workflowRef?: string; workflow?: string; job?: string }, knowledgeBase: string): string {
  if (given) return given
  const ref = env.workflowRef ?? ''
  const at = ref.lastIndexOf('@refs/')
  const workflow = ref ? (at >= 0 ? ref.slice(0, at) : ref) : `name:${env.workflow ?? ''}`
  return createHash('sha256')
    .update(`${workflow}\n${env.job ?? ''}\n${knowledgeBase}`)
    .digest('hex')
    .slice(0, 16)
}

export function formatMarker(knowledgeBase: string, key: string, conversationId?: string): string {
  const conversation = conversationId && isConversationId(conversationId) ? ` conversation=${conversationId}` : ''
  return `${PREFIX}${markerSafe(knowledgeBase)} key=${markerSafe(key)}${conversation} -->`
}

/**
 * The conversation id in our marker at the start of `body`, or undefined when the marker is not
 * this step's: another knowledge base, another key, or a marker from before keys existed.
 */
export function parseMarker(body: string, knowledgeBase: string, key: string): { conversationId?: string } | undefined {
  const firstLine = body.split('\n', 1)[0]!.trim()
  const m = /^<!-- knowledge-sync:stackspot:(\S+) key=(\S+)(?: conversation=(\S+))? -->$/.exec(firstLine)
  if (!m || m[1] !== markerSafe(knowledgeBase) || m[2] !== markerSafe(key)) return undefined
  return m[3] && isConversationId(m[3]) ? { conversationId: m[3] } : {}
}

/** StackSpot conversation ids are ULIDs; accept any short token of safe characters, nothing that could break JSON or the marker. */
export function isConversationId(value: string): boolean {
  return /^[A-Za-z0-9_-]{1,100}$/.test(value)
}
