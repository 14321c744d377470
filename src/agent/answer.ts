/** What the agent answered, from a REST body or assembled from a stream. */
export interface AgentAnswer {
  message: string
  conversationId?: string
  stopReason?: string
  /** REST: user/enrichment/output; stream: input/output. */
  tokens?: Record<string, number>
  /** Knowledge source ids the agent used (`return_ks_in_response`). */
  knowledgeSourceIds: string[]
  /** The `source` entries as the API returned them (objects or strings). */
  sources: unknown[]
  /** The stored conversation was refused, and this answer began a new one: never fall back to the old id. */
  newConversation?: boolean
}

export function emptyAnswer(): AgentAnswer {
  return { message: '', knowledgeSourceIds: [], sources: [] }
}

/** Folds one REST body or stream chunk's metadata into the answer (text is handled by the caller). */
export function mergeMetadata(answer: AgentAnswer, chunk: Record<string, unknown>): void {
  if (typeof chunk.conversation_id === 'string' && chunk.conversation_id) answer.conversationId = chunk.conversation_id
  if (typeof chunk.stop_reason === 'string' && chunk.stop_reason) answer.stopReason = chunk.stop_reason
  if (isRecord(chunk.tokens)) {
    const tokens: Record<string, number> = {}
    for (const [k, v] of Object.entries(chunk.tokens)) if (typeof v === 'number' && Number.isFinite(v)) tokens[k] = v
    if (Object.keys(tokens).length > 0) answer.tokens = tokens
  }
  if (Array.isArray(chunk.knowledge_source_id)) {
    for (const id of chunk.knowledge_source_id) {
      const text = typeof id === 'string' ? id : typeof id === 'number' ? String(id) : undefined
      if (text && !answer.knowledgeSourceIds.includes(text)) answer.knowledgeSourceIds.push(text)
    }
  }
  if (Array.isArray(chunk.source)) {
    const seen = new Set(answer.sources.map((s) => JSON.stringify(s)))
    for (const s of chunk.source) {
      const key = JSON.stringify(s)
      if (!seen.has(key)) {
        seen.add(key)
        answer.sources.push(s)
      }
    }
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
