/**
 * One question to a StackSpot agent: `POST {agent-url}/v1/agent/{id}/chat`, answered as a REST
 * body or as a Server-Sent Events stream.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'
import { z } from 'zod'
import { VendorHttpError } from '../errors.js'
import { HttpClient, dispatcher, isRecord, truncate, type TokenSource } from '../http.js'
import type { Log } from '../log.js'
import { backoffBaseMs, decideRetry } from '../retry-policy.js'
import { redact } from '../secrets.js'
import { emptyAnswer, mergeMetadata, type AgentAnswer } from './answer.js'
import { AgentStream, AgentStreamError } from './sse.js'

const VENDOR = 'StackSpot agent'
const OPERATION = 'ask the agent'

export interface AgentTimeouts {
  /** No byte for this long ends a stream as stalled. */
  idleMs: number
  /** The whole question, retries included, may take no longer. */
  overallMs: number
}

/** NOTES §2 suggests minutes of idle time: agents think before the first token. */
export const DEFAULT_TIMEOUTS: AgentTimeouts = { idleMs: 120_000, overallMs: 600_000 }

/**
 * The defaults, or KS_AGENT_IDLE_MS (also spelled KS_AGENT_IDLE_TIMEOUT_MS) and KS_AGENT_TIMEOUT_MS,
 * for test suites, like KS_HTTP_BACKOFF_MS.
 */
export function timeoutsFromEnv(env: NodeJS.ProcessEnv = process.env): AgentTimeouts {
  const read = (names: string[], fallback: number) => {
    for (const name of names) {
      const n = Number(env[name])
      if (env[name] && Number.isFinite(n) && n > 0) return n
    }
    return fallback
  }
  return {
    idleMs: read(['KS_AGENT_IDLE_MS', 'KS_AGENT_IDLE_TIMEOUT_MS'], DEFAULT_TIMEOUTS.idleMs),
    overallMs: read(['KS_AGENT_TIMEOUT_MS'], DEFAULT_TIMEOUTS.overallMs)
  }
}

export interface AskOptions {
  agentUrl: string
  agentId: string
  prompt: string
  conversationId?: string
  streaming: boolean
  tokens: TokenSource
  log: Log
  timeouts?: AgentTimeouts
}

const RestAnswer = z.looseObject({
  message: z.string(),
  stop_reason: z.string().nullish(),
  conversation_id: z.string().nullish(),
  tokens: z.record(z.string(), z.unknown()).nullish(),
  knowledge_source_id: z.array(z.unknown()).nullish(),
  source: z.array(z.unknown()).nullish()
})

function hintFor(status: number): string | undefined {
  if (status === 401 || status === 403) return 'Check that the StackSpot credential (`client-id`, `client-secret`, `realm`) may use this agent.'
  if (status === 404) return 'Check `agent-id` (the agent id from the StackSpot portal, API Usage tab) and `agent-url`.'
  return undefined
}

export function requestBody(o: Pick<AskOptions, 'prompt' | 'streaming' | 'conversationId'>): Record<string, unknown> {
  return {
    user_prompt: o.prompt,
    streaming: o.streaming,
    stackspot_knowledge: true,
    return_ks_in_response: true,
    use_conversation: true,
    ...(o.conversationId ? { conversation_id: o.conversationId } : {})
  }
}

/**
 * Asks once; when the server refuses the stored conversation id (it may expire, or belong to
 * another credential: the docs do not say how long one lives), asks once more as a new
 * conversation. Nothing was said in the refused turn, so the second ask duplicates nothing.
 */
export async function askAgent(o: AskOptions): Promise<AgentAnswer> {
  const timeouts = o.timeouts ?? timeoutsFromEnv()
  const ask = (opts: AskOptions) => (opts.streaming ? askStreaming(opts, timeouts) : askRest(opts, timeouts))
  try {
    return await ask(o)
  } catch (error) {
    if (!o.conversationId || !refusesConversation(error)) throw error
    o.log.warning(
      `The agent refused the stored conversation ${o.conversationId} (${error instanceof Error ? error.message : String(error)}): the action assumed a conversation id from an earlier answer can be continued. Asking once more as a new conversation.`
    )
    const answer = await ask({ ...o, conversationId: undefined })
    answer.newConversation = true
    return answer
  }
}

/**
 * A refusal that may be about the conversation id: 404/410 (unknown or expired), or 400/409/422
 * whose message names the conversation. Anything else (auth, rate limits, a missing agent's 404
 * is retried too, harmlessly: it fails the same way) is not.
 */
function refusesConversation(error: unknown): boolean {
  if (!(error instanceof VendorHttpError) || error.status === undefined) return false
  if (error.status === 404 || error.status === 410) return true
  return [400, 409, 422].includes(error.status) && /conversation/i.test(error.message)
}

function chatPath(agentId: string): string {
  return `/v1/agent/${encodeURIComponent(agentId)}/chat`
}

async function askRest(o: AskOptions, timeouts: AgentTimeouts): Promise<AgentAnswer> {
  const http = new HttpClient({
    vendor: VENDOR,
    baseUrl: o.agentUrl,
    authOrigins: [o.agentUrl],
    tokens: o.tokens,
    log: o.log,
    timeoutMs: timeouts.overallMs,
    hintFor
  })
  const body = await http.json(
    { method: 'POST', url: o.agentUrl + chatPath(o.agentId), operation: OPERATION, json: requestBody(o), headers: { accept: 'application/json' } },
    RestAnswer
  )
  return fromRest(body)
}

function fromRest(body: Record<string, unknown>): AgentAnswer {
  const answer = emptyAnswer()
  answer.message = typeof body.message === 'string' ? body.message : ''
  mergeMetadata(answer, body)
  return answer
}

/**
 * The streamed question. Retries 429/503 (and one 401 with a fresh token) only before the stream
 * starts: once text has arrived, asking again would duplicate the turn in the conversation.
 */
async function askStreaming(o: AskOptions, timeouts: AgentTimeouts): Promise<AgentAnswer> {
  const url = new URL(o.agentUrl + chatPath(o.agentId))
  const deadline = Date.now() + timeouts.overallMs
  const maxRetries = 4
  let refreshed = false
  for (let attempt = 0; ; attempt++) {
    const token = await o.tokens.token()
    const controller = new AbortController()
    let why: string | undefined
    const abort = (reason: string) => {
      why ??= reason
      controller.abort()
    }
    const overall = setTimeout(
      () => abort(`no complete answer within ${seconds(timeouts.overallMs)} (the stream never ended; the connection was closed)`),
      Math.max(0, deadline - Date.now())
    )
    let idle = setTimeout(() => abort(`the agent sent nothing for ${seconds(timeouts.idleMs)} (no response)`), timeouts.idleMs)
    const touch = () => {
      clearTimeout(idle)
      idle = setTimeout(() => abort(`the agent sent nothing for ${seconds(timeouts.idleMs)} (the stream stalled; the connection was closed)`), timeouts.idleMs)
    }
    try {
      // The URL is built from agent-url alone, and undici does not follow redirects: the token goes nowhere else.
      const res = await request(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream', 'user-agent': 'knowledge-sync-action' },
        body: JSON.stringify(requestBody(o)),
        dispatcher: dispatcher(),
        signal: controller.signal,
        // Our idle timer names the cause; undici's own timeout is only a backstop behind it.
        headersTimeout: timeouts.idleMs + 5_000,
        bodyTimeout: 0
      })
      touch()
      const status = res.statusCode
      if (status < 200 || status >= 300) {
        const text = await res.body.text().catch(() => '')
        // The stream has not started, so asking again cannot duplicate the turn. A chat is not
        // idempotent: only 429/503 are retried, and a network error never is.
        const decision = decideRetry({ kind: 'response', status, headers: res.headers }, attempt, {
          idempotent: false,
          refreshable: o.tokens.refreshable !== false,
          refreshed,
          maxRetries,
          backoffBaseMs: backoffBaseMs(),
          now: Date.now(),
          deadline,
          random: Math.random
        })
        if (decision.kind === 'refresh-token') {
          refreshed = true
          o.tokens.invalidate(token)
          continue
        }
        if (decision.kind === 'retry') {
          o.log.info(`${VENDOR}: HTTP ${status}, retrying in ${(decision.afterMs / 1000).toFixed(1)} s (attempt ${attempt + 2} of ${maxRetries + 1})`)
          await sleep(decision.afterMs)
          continue
        }
        throw new VendorHttpError({ vendor: VENDOR, operation: OPERATION, status, detail: describe(text), hint: hintFor(status) })
      }
      const type = String(res.headers['content-type'] ?? '')
      if (type.includes('application/json')) {
        // A server that ignores `streaming` answers in one JSON body; take it as it is.
        const text = await res.body.text()
        const json = JSON.parse(text) as unknown
        if (!isRecord(json) || typeof json.message !== 'string') {
          throw new VendorHttpError({ vendor: VENDOR, operation: OPERATION, status, detail: `unexpected response: ${truncate(redact(text))}` })
        }
        return fromRest(json)
      }
      const stream = new AgentStream()
      for await (const chunk of res.body) {
        touch()
        stream.push(chunk as Uint8Array)
        if (stream.done) break
      }
      const sentinel = stream.done
      const answer = stream.end()
      if (stream.events === 0) throw new VendorHttpError({ vendor: VENDOR, operation: OPERATION, status, detail: 'the stream ended without any event' })
      if (!sentinel && !answer.stopReason) o.log.warning("The agent's stream ended without a stop reason; its answer may be incomplete.")
      return answer
    } catch (error) {
      if (error instanceof VendorHttpError) throw error
      // Redact before cutting: a credential across the cut would otherwise leak in part.
      if (error instanceof AgentStreamError)
        throw new VendorHttpError({ vendor: VENDOR, operation: OPERATION, detail: `the agent reported an error: ${truncate(redact(error.message))}` })
      if (why) throw new VendorHttpError({ vendor: VENDOR, operation: OPERATION, detail: why })
      const code = (error as { code?: string }).code
      throw new VendorHttpError({
        vendor: VENDOR,
        operation: OPERATION,
        detail: `network error${code ? ` ${code}` : ''}: ${error instanceof Error ? error.message : String(error)}`
      })
    } finally {
      clearTimeout(idle)
      clearTimeout(overall)
    }
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms / 1000)} s`
}

function describe(text: string): string {
  try {
    const body = JSON.parse(text) as unknown
    if (isRecord(body)) {
      for (const key of ['message', 'detail', 'error_description', 'error']) {
        const v = body[key]
        if (typeof v === 'string' && v) return truncate(redact(v))
      }
    }
  } catch {
    // not JSON
  }
  return text.trim() ? truncate(redact(text)) : 'no details in the response'
}
