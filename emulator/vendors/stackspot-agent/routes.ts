/**
 * POST /stackspot/agent/v1/agent/{agentId}/chat: the deterministic answer, as one JSON body or as
 * an SSE stream, with the vendor faults that bend the stream (see index.ts).
 */
import { randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { EmuError, type EmuRequest, type EmuResult, type Router } from '../../framework.ts'
import type { StackSpotIdm } from '../stackspot-idm/index.ts'
import type { AgentStore, Conversation, SeedAgent } from './state.ts'

const BASE = '/stackspot/agent'

export function registerAgentRoutes(router: Router, store: AgentStore, idm: StackSpotIdm): void {
  router.add('POST', `${BASE}/v1/agent/:agentId/chat`, (req) => chat(store, idm, req))
}

const ULID_CHARS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
function ulid(): string {
  const time = Date.now().toString(32).toUpperCase().padStart(10, '0').slice(-10)
  const rand = [...randomBytes(16)].map((b) => ULID_CHARS[b % 32]).join('')
  return (time.replace(/[ILOU]/g, '0') + rand).slice(0, 26)
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true'
}

/** The deterministic answer: what the prompt asked about and what the agent knows. */
function compose(agent: SeedAgent, prompt: string, turn: number): string {
  const paths = [...new Set([...prompt.matchAll(/^\s*- `?([^\s`][^`\n]*\.(?:md|mdx|markdown|txt|rst|adoc))`?\s*$/gm)].map((m) => m[1]!))]
  const ks = agent.knowledgeSourceIds ?? []
  return [
    `Reviewed ${paths.length} changed doc${paths.length === 1 ? '' : 's'}: ${paths.join(', ') || '(none)'}.`,
    `This is turn ${turn} of the conversation with ${agent.name ?? agent.id}.`,
    `Knowledge sources consulted: ${ks.join(', ') || '(none)'}.`,
    'Verdict: the change is consistent with what I know. Ünïcödé ✓ 日本語 🚀.'
  ].join('\n\n')
}

async function chat(store: AgentStore, idm: StackSpotIdm, req: EmuRequest): Promise<EmuResult> {
  const clientId = idm.authenticate(req)
  const agent = store.agents.get(req.params.agentId!)
  if (!agent) throw new EmuError(404, { message: `Agent ${req.params.agentId} not found`, code: 'agent_not_found' })
  const body = req.json()
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new EmuError(400, { message: 'Body must be a JSON object' })
  const b = body as Record<string, unknown>
  if (typeof b.user_prompt !== 'string' || b.user_prompt.trim() === '') {
    throw new EmuError(400, { message: 'user_prompt is required', code: 'validation_error', field: 'user_prompt' })
  }
  const prompt = b.user_prompt
  const streaming = truthy(b.streaming)
  store.chats++

  let conversation: Conversation | undefined
  if (truthy(b.use_conversation)) {
    const wanted = typeof b.conversation_id === 'string' && b.conversation_id ? b.conversation_id : undefined
    if (wanted && store.settings.conversations === 'rejected') {
      throw new EmuError(404, { message: `Conversation ${wanted} not found or expired`, code: 'conversation_not_found' })
    }
    conversation = wanted ? store.conversations.get(wanted) : undefined
    if (conversation && (conversation.agentId !== agent.id || conversation.clientId !== clientId)) {
      throw new EmuError(404, { message: `Conversation ${wanted} not found`, code: 'conversation_not_found' })
    }
    if (!conversation) {
      // Clients may pre-generate a ULID for a new conversation.
      conversation = { id: wanted ?? ulid(), agentId: agent.id, clientId, turns: [] }
      store.conversations.set(conversation.id, conversation)
    }
  }
  const override = store.ctx.faults.take('stackspot-agent-answer', prompt)
  const answer =
    typeof override?.data?.text === 'string' ? echoCredential(override.data.text, req) : compose(agent, prompt, (conversation?.turns.length ?? 0) + 1)
  // Vendor-supplied metadata a test wants hostile (stop reason, token names, sources…).
  const fields = (override?.data?.fields ?? {}) as Record<string, unknown>
  conversation?.turns.push({ prompt, streaming, answer, request: { ...b, user_prompt: undefined } })

  const ksIds = truthy(b.return_ks_in_response) ? [...(agent.knowledgeSourceIds ?? [])] : []
  const sources = truthy(b.return_ks_in_response) ? structuredClone(agent.sources ?? []) : []
  const inputTokens = Math.ceil(prompt.length / 4)
  const outputTokens = Math.ceil(answer.length / 4)
  const common = { upload_ids: {}, knowledge_source_id: ksIds, source: sources, cross_account_source: [], tools_id: [] }

  if (!streaming || store.settings.answer === 'rest') {
    return {
      status: 200,
      json: {
        message: answer,
        stop_reason: 'stop',
        tokens: { user: inputTokens, enrichment: truthy(b.stackspot_knowledge) ? 100 * ksIds.length + 50 : 0, output: outputTokens },
        ...common,
        ...(conversation ? { conversation_id: conversation.id } : {}),
        ...fields
      }
    }
  }

  const framing = store.ctx.faults.take('stackspot-agent-sse', prompt)?.data ?? {}
  const errorFault = store.ctx.faults.take('stackspot-agent-error', prompt)?.data
  const stallFault = store.ctx.faults.take('stackspot-agent-stall', prompt)?.data
  const messageId = ulid()
  const agentInfo = { id: agent.id, name: agent.name ?? agent.id }
  const deltas = splitDeltas(answer)
  // Public SDK tests show stream chunks without the id; the fault reproduces that shape.
  const streamConversation = conversation && !framing.noConversationId ? { conversation_id: conversation.id } : {}
  const openai = store.settings.streamShape === 'openai'
  const events: Array<Record<string, unknown>> = openai
    ? openaiEvents(deltas, messageId, inputTokens, outputTokens)
    : deltas.map((delta) => ({
        message: delta,
        ...common,
        agent_info: agentInfo,
        ...streamConversation
      }))
  if (!openai) {
    events.push({
      message: '',
      stop_reason: 'stop',
      tokens: { input: inputTokens, output: outputTokens },
      message_id: messageId,
      ...common,
      agent_info: agentInfo,
      ...streamConversation,
      ...fields
    })
  }

  const eol = framing.crlf ? '\r\n' : '\n'
  const frame = (json: unknown, name?: string) => {
    const text = framing.multiline ? JSON.stringify(json, null, 1) : JSON.stringify(json)
    const data = text
      .split('\n')
      .map((line) => `data: ${line}`)
      .join(eol)
    return `${name ? `event: ${name}${eol}` : ''}${data}${eol}${eol}`
  }

  return {
    status: 200,
    stream: async (res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' })
      let text = framing.comments ? `: stream opened${eol}${eol}` : ''
      for (let i = 0; i < events.length; i++) {
        if (errorFault && i === Number(errorFault.afterEvents ?? 1)) {
          text +=
            errorFault.style === 'type'
              ? frame({ type: 'error', message: 'The model provider failed (emulated)' })
              : frame({ message: 'The model provider failed (emulated)' }, 'error')
          break
        }
        if (stallFault && i === Number(stallFault.afterEvents ?? 1)) break
        text += frame(events[i])
        if (framing.comments) text += `: keep-alive${eol}${eol}`
      }
      if (!errorFault && !stallFault && (framing.done || openai)) text += `data: [DONE]${eol}${eol}`
      const bytes = Buffer.from(text, 'utf8')
      const size = Number(framing.chunkBytes ?? 0)
      if (size > 0) {
        for (let i = 0; i < bytes.length; i += size) {
          if (res.destroyed) return
          res.write(bytes.subarray(i, i + size))
          await sleep(0)
        }
      } else {
        res.write(bytes)
      }
      if (stallFault) {
        // Headers and part of the answer, then silence (or only keep-alive comments, which never
        // end): only the client's idle timeout or overall deadline ends it.
        const every = Number(stallFault.keepAliveMs ?? 0)
        const ping = every > 0 ? setInterval(() => res.write(`: keep-alive${eol}${eol}`), every) : undefined
        await new Promise<void>((resolve) => res.once('close', () => resolve()))
        clearInterval(ping)
        return
      }
      res.end()
    }
  }
}

/**
 * An answer that repeats the caller's own credential, as a prompt-injected agent might:
 * `{{access_token}}`, `{{access_token_base64}}` and `{{access_token_url}}` become the bearer token
 * the request carried, raw, base64- and URL-encoded.
 */
function echoCredential(text: string, req: EmuRequest): string {
  const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1] ?? ''
  return text
    .replaceAll('{{access_token}}', token)
    .replaceAll('{{access_token_base64}}', Buffer.from(token).toString('base64'))
    .replaceAll('{{access_token_url}}', encodeURIComponent(token))
}

/** The OpenAI/LiteLLM chunk shape: text in `choices[0].delta.content`, no StackSpot fields, no conversation id. */
function openaiEvents(deltas: string[], id: string, input: number, output: number): Array<Record<string, unknown>> {
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    choices: [{ index: 0, delta, finish_reason: finish }]
  })
  return [
    ...deltas.map((content, i) => chunk(i === 0 ? { role: 'assistant', content } : { content }, null)),
    { ...chunk({}, 'stop'), usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output } }
  ]
}

/** Deltas of a few words each, as a model streams them. */
function splitDeltas(answer: string): string[] {
  const parts = answer.match(/\S+\s*|\s+/g) ?? []
  const out: string[] = []
  for (let i = 0; i < parts.length; i += 3) out.push(parts.slice(i, i + 3).join(''))
  // A 100,000-character answer in three-word deltas is thousands of events; group them.
  if (out.length > 500) {
    const per = Math.ceil(out.length / 500)
    const grouped: string[] = []
    for (let i = 0; i < out.length; i += per) grouped.push(out.slice(i, i + per).join(''))
    return grouped
  }
  return out.length ? out : ['']
}
