/**
 * The hidden marker that makes the PR comment "sticky": it names the knowledge base (one comment
 * per PR and knowledge base) and carries the agent's conversation id, so the next run on the same
 * PR continues the same conversation. It is always the first line of a comment we wrote.
 */

const PREFIX = '<!-- knowledge-sync:stackspot:'

/** Marker text may not contain spaces or `--`; anything else is replaced. */
function markerSafe(value: string): string {
  return value.replace(/[^A-Za-z0-9._/-]/g, '_').replace(/-{2,}/g, '-')
}

export function formatMarker(knowledgeBase: string, conversationId?: string): string {
  const conversation = conversationId && isConversationId(conversationId) ? ` conversation=${conversationId}` : ''
  return `${PREFIX}${markerSafe(knowledgeBase)}${conversation} -->`
}

/** The conversation id in our marker at the start of `body`, or undefined when the marker is not ours for this knowledge base. */
export function parseMarker(body: string, knowledgeBase: string): { conversationId?: string } | undefined {
  const firstLine = body.split('\n', 1)[0]!.trim()
  const m = /^<!-- knowledge-sync:stackspot:(\S+)(?: conversation=(\S+))? -->$/.exec(firstLine)
  if (!m || m[1] !== markerSafe(knowledgeBase)) return undefined
  return m[2] && isConversationId(m[2]) ? { conversationId: m[2] } : {}
}

/** StackSpot conversation ids are ULIDs; accept any short token of safe characters, nothing that could break JSON or the marker. */
export function isConversationId(value: string): boolean {
  return /^[A-Za-z0-9_-]{1,100}$/.test(value)
}
