/**
 * When to send a request again, for every caller (the HTTP client and the agent's streamed chat).
 * `decideRetry` is pure: the clock, the jitter and the backoff base come in as arguments, so the
 * rules can be checked as a table without a server.
 */

export type ResponseHeaders = Record<string, string | string[] | undefined>

/** What one attempt came back with. */
export type AttemptOutcome =
  | { kind: 'response'; status: number; headers: ResponseHeaders }
  /** No answer: connection refused or reset, or a timeout. */
  | { kind: 'network-error' }

export interface RetryContext {
  /** Safe to send twice: only then are other 5xx and network errors retried. */
  idempotent: boolean
  /** A token went with the request and its source can issue a new one (OAuth, not a static key). */
  refreshable: boolean
  /** A 401 has already been answered with a new token for this request. */
  refreshed: boolean
  /** Retries after the first attempt; attempt numbers count from 0. */
  maxRetries: number
  /** Statuses the caller takes as answers (e.g. 404 when looking a store up). */
  accept?: readonly number[]
  /** See `backoffBaseMs`. */
  backoffBaseMs: number
  now: number
  /** Epoch ms by which the whole call must be over; a wait that reaches it is not started. */
  deadline?: number
  /** Jitter source in [0, 1): `Math.random` in production. */
  random: () => number
}

export type RetryDecision =
  | { kind: 'done' }
  | { kind: 'retry'; afterMs: number }
  | { kind: 'refresh-token' }
  | { kind: 'fail'; reason: 'not-retriable' | 'retries-exhausted' }
  /** `waitMs` is what the server asked for (too long) or what we would have waited (past the deadline). */
  | { kind: 'fail'; reason: 'server-wait-too-long' | 'past-deadline'; waitMs: number }

/** Longest a server may ask us to wait (Retry-After, X-RateLimit-Reset) before we give up instead. */
export const MAX_SERVER_WAIT_MS = 120_000
export const MAX_BACKOFF_MS = 30_000
const DEFAULT_BACKOFF_BASE_MS = 500

export function decideRetry(outcome: AttemptOutcome, attempt: number, ctx: RetryContext): RetryDecision {
  if (outcome.kind === 'response') {
    const { status } = outcome
    if ((status >= 200 && status < 300) || ctx.accept?.includes(status)) return { kind: 'done' }
    // A token can expire between our expiry check and the server's; get a new one once.
    if (status === 401 && ctx.refreshable && !ctx.refreshed) return { kind: 'refresh-token' }
    if (!retriableStatus(status, ctx.idempotent)) return { kind: 'fail', reason: 'not-retriable' }
  } else if (!ctx.idempotent) {
    // The request may have reached the server: sending it again could do the work twice.
    return { kind: 'fail', reason: 'not-retriable' }
  }
  if (attempt >= ctx.maxRetries) return { kind: 'fail', reason: 'retries-exhausted' }

  const serverWait = outcome.kind === 'response' ? retryAfterMs(outcome.headers, ctx.now) : undefined
  if (serverWait !== undefined && serverWait > MAX_SERVER_WAIT_MS) return { kind: 'fail', reason: 'server-wait-too-long', waitMs: serverWait }
  const afterMs = serverWait ?? backoffDelayMs(attempt, ctx.backoffBaseMs, ctx.random)
  if (ctx.deadline !== undefined && ctx.now + afterMs >= ctx.deadline) return { kind: 'fail', reason: 'past-deadline', waitMs: afterMs }
  return { kind: 'retry', afterMs }
}

/** 429 and 503 say "later" whatever the method; other gateway-ish 5xx may have done the work already. */
function retriableStatus(status: number, idempotent: boolean): boolean {
  if (status === 429 || status === 503) return true
  return idempotent && (status === 500 || status === 502 || status === 504)
}

/** Exponential backoff for retry `attempt` (0-based), with jitter drawn from `random`. */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number): number {
  const cap = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt)
  // Full jitter: parallel workers that failed together do not retry together.
  return Math.round(cap / 2 + random() * (cap / 2))
}

/** Base of the exponential backoff: KS_HTTP_BACKOFF_MS, so test suites are not slowed by real back-off. */
export function backoffBaseMs(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.KS_HTTP_BACKOFF_MS)
  return Number.isFinite(fromEnv) && fromEnv >= 0 && env.KS_HTTP_BACKOFF_MS !== '' ? fromEnv : DEFAULT_BACKOFF_BASE_MS
}

export function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

/** Retry-After (seconds or HTTP date), else an X-RateLimit-Reset epoch, in milliseconds from now. */
export function retryAfterMs(headers: ResponseHeaders, now = Date.now()): number | undefined {
  const retryAfter = header(headers, 'retry-after')
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter)
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
    const date = Date.parse(retryAfter)
    if (!Number.isNaN(date)) return Math.max(0, date - now)
  }
  const reset = header(headers, 'x-ratelimit-reset')
  if (reset !== undefined) {
    const until = resetToEpochMs(reset)
    if (until !== undefined) return Math.max(0, until - now)
  }
  return undefined
}

/** X-RateLimit-Reset is an epoch: seconds by the Staffify docs, but accept milliseconds too. */
export function resetToEpochMs(value: string): number | undefined {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) return undefined
  return n > 1e12 ? n : n * 1000
}

/** A Retry-After (or rate-limit reset) past what the action waits: give up now, in words read at a glance. */
export function serverWaitTooLong(waitMs: number): string {
  const seconds = Math.ceil(waitMs / 1000)
  return `the vendor asked us to wait ${humanDuration(seconds)} before trying again, longer than the action waits (${MAX_SERVER_WAIT_MS / 1000} s); run it again later`
}

export function humanDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`
  if (seconds < 2 * 3600) {
    const minutes = Math.round(seconds / 60)
    return minutes === 60 ? 'an hour' : `${minutes} minutes`
  }
  if (seconds < 2 * 86_400) return `${Math.round(seconds / 3600)} hours`
  return `${Math.round(seconds / 86_400)} days`
}
