import { describe, expect, it } from 'vitest'
import { backoffBaseMs, backoffDelayMs, decideRetry, retryAfterMs, type AttemptOutcome, type RetryContext, type RetryDecision } from '../../src/retry-policy.js'

const NOW = Date.parse('2026-01-01T00:00:00Z')
/** Jitter at its midpoint: a backoff cap of c waits 0.75 c. */
const half = () => 0.5

const ctx = (over: Partial<RetryContext> = {}): RetryContext => ({
  idempotent: true,
  refreshable: false,
  refreshed: false,
  maxRetries: 5,
  backoffBaseMs: 100,
  now: NOW,
  random: half,
  ...over
})
const status = (code: number, headers: Record<string, string> = {}): AttemptOutcome => ({ kind: 'response', status: code, headers })
const network: AttemptOutcome = { kind: 'network-error' }
const retry = (afterMs: number): RetryDecision => ({ kind: 'retry', afterMs })
const DONE: RetryDecision = { kind: 'done' }
const REFRESH: RetryDecision = { kind: 'refresh-token' }
const NOT_RETRIABLE: RetryDecision = { kind: 'fail', reason: 'not-retriable' }
const EXHAUSTED: RetryDecision = { kind: 'fail', reason: 'retries-exhausted' }

describe('decideRetry', () => {
  const POST = { idempotent: false }
  const OAUTH = { refreshable: true }
  const table: Array<[string, AttemptOutcome, number, Partial<RetryContext>, RetryDecision]> = [
    // answers
    ['200 is done', status(200), 0, {}, DONE],
    ['204 is done', status(204), 3, POST, DONE],
    ['an accepted 404 is done', status(404, {}), 0, { accept: [404] }, DONE],
    ['an unaccepted 404 fails', status(404), 0, { accept: [409] }, NOT_RETRIABLE],
    ['400 fails', status(400), 0, {}, NOT_RETRIABLE],
    ['a redirect fails (never followed)', status(302), 0, {}, NOT_RETRIABLE],

    // 401 and token refresh
    ['401 with a refreshable token refreshes', status(401), 0, OAUTH, REFRESH],
    ['401 refreshes even when not idempotent', status(401), 0, { ...OAUTH, ...POST }, REFRESH],
    ['401 refreshes even at the last attempt', status(401), 5, OAUTH, REFRESH],
    ['a second 401 fails', status(401), 1, { ...OAUTH, refreshed: true }, NOT_RETRIABLE],
    ['401 with a static key fails', status(401), 0, { refreshable: false }, NOT_RETRIABLE],
    ['403 never refreshes', status(403), 0, OAUTH, NOT_RETRIABLE],

    // which statuses are retried
    ['429 is retried for a GET', status(429), 0, {}, retry(75)],
    ['429 is retried for a POST', status(429), 0, POST, retry(75)],
    ['503 is retried for a POST', status(503), 0, POST, retry(75)],
    ['500 is retried when idempotent', status(500), 0, {}, retry(75)],
    ['502 is retried when idempotent', status(502), 0, {}, retry(75)],
    ['504 is retried when idempotent', status(504), 0, {}, retry(75)],
    ['500 fails for a POST', status(500), 0, POST, NOT_RETRIABLE],
    ['502 fails for a POST', status(502), 0, POST, NOT_RETRIABLE],
    ['504 fails for a POST', status(504), 0, POST, NOT_RETRIABLE],
    ['501 is never retried', status(501), 0, {}, NOT_RETRIABLE],

    // network errors (connection reset, timeout)
    ['a network error is retried when idempotent', network, 0, {}, retry(75)],
    ['a network error fails for a POST', network, 0, POST, NOT_RETRIABLE],
    ['a network error at the last attempt fails', network, 5, {}, EXHAUSTED],

    // retry budget
    ['attempt maxRetries - 1 still retries', status(503), 4, {}, retry(1200)],
    ['attempt == maxRetries fails', status(503), 5, {}, EXHAUSTED],
    ['maxRetries 0 never retries', status(429), 0, { maxRetries: 0 }, EXHAUSTED],

    // server-asked waits
    ['Retry-After seconds are honoured', status(429, { 'retry-after': '3' }), 0, {}, retry(3000)],
    ['Retry-After 0 retries at once', status(429, { 'retry-after': '0' }), 0, {}, retry(0)],
    ['Retry-After 120 s is still waited for', status(429, { 'retry-after': '120' }), 0, {}, retry(120_000)],
    ['Retry-After 121 s gives up', status(429, { 'retry-after': '121' }), 0, {}, { kind: 'fail', reason: 'server-wait-too-long', waitMs: 121_000 }],
    ['Retry-After as an HTTP date', status(503, { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), 0, POST, retry(5000)],
    ['Retry-After as an HTTP date in the past retries at once', status(503, { 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }), 0, {}, retry(0)],
    [
      'Retry-After as an HTTP date 2:01 away gives up',
      status(503, { 'retry-after': 'Thu, 01 Jan 2026 00:02:01 GMT' }),
      0,
      {},
      { kind: 'fail', reason: 'server-wait-too-long', waitMs: 121_000 }
    ],
    ['X-RateLimit-Reset (epoch s) is honoured', status(429, { 'x-ratelimit-reset': String(NOW / 1000 + 7) }), 0, {}, retry(7000)],
    ['X-RateLimit-Reset (epoch ms) is honoured', status(429, { 'x-ratelimit-reset': String(NOW + 2500) }), 0, {}, retry(2500)],
    [
      'X-RateLimit-Reset over 120 s gives up',
      status(429, { 'x-ratelimit-reset': String(NOW / 1000 + 121) }),
      0,
      {},
      { kind: 'fail', reason: 'server-wait-too-long', waitMs: 121_000 }
    ],
    ['Retry-After wins over X-RateLimit-Reset', status(429, { 'retry-after': '2', 'x-ratelimit-reset': String(NOW / 1000 + 60) }), 0, {}, retry(2000)],
    ['an unreadable Retry-After falls back to backoff', status(429, { 'retry-after': 'soon' }), 1, {}, retry(150)],
    ['a too-long wait at the last attempt is just exhausted', status(429, { 'retry-after': '500' }), 5, {}, EXHAUSTED],
    ['a server wait is not asked for on a 400', status(400, { 'retry-after': '1' }), 0, {}, NOT_RETRIABLE],

    // deadline
    ['a wait that ends before the deadline retries', status(429, { 'retry-after': '3' }), 0, { deadline: NOW + 3001 }, retry(3000)],
    [
      'a wait that reaches the deadline fails',
      status(429, { 'retry-after': '3' }),
      0,
      { deadline: NOW + 3000 },
      { kind: 'fail', reason: 'past-deadline', waitMs: 3000 }
    ],
    ['a backoff that reaches the deadline fails', status(503), 0, { deadline: NOW + 50 }, { kind: 'fail', reason: 'past-deadline', waitMs: 75 }],
    [
      'over 120 s gives up as too long before the deadline is looked at',
      status(429, { 'retry-after': '200' }),
      0,
      { deadline: NOW + 60_000 },
      { kind: 'fail', reason: 'server-wait-too-long', waitMs: 200_000 }
    ]
  ]

  it.each(table)('%s', (_name, outcome, attempt, over, expected) => {
    expect(decideRetry(outcome, attempt, ctx(over))).toEqual(expected)
  })

  it('takes the first of repeated Retry-After values', () => {
    expect(decideRetry({ kind: 'response', status: 429, headers: { 'retry-after': ['4', '9'] } }, 0, ctx())).toEqual(retry(4000))
  })
})

describe('backoffDelayMs', () => {
  it('doubles from the base and jitters between half and all of it', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelayMs(a, 100, () => 0))).toEqual([50, 100, 200, 400])
    expect([0, 1, 2, 3].map((a) => backoffDelayMs(a, 100, () => 1))).toEqual([100, 200, 400, 800])
    expect(backoffDelayMs(2, 100, half)).toBe(300)
  })

  it('is capped at 30 s', () => {
    expect(backoffDelayMs(6, 500, () => 1)).toBe(30_000)
    expect(backoffDelayMs(20, 500, () => 1)).toBe(30_000)
    expect(backoffDelayMs(20, 500, () => 0)).toBe(15_000)
    expect(decideRetry(status(503), 10, ctx({ maxRetries: 20, backoffBaseMs: 500, random: () => 0.999 }))).toEqual(retry(29_985))
  })

  it('is zero with a zero base', () => {
    expect(decideRetry(network, 3, ctx({ backoffBaseMs: 0 }))).toEqual(retry(0))
  })
})

describe('backoffBaseMs', () => {
  it('is 500 ms unless KS_HTTP_BACKOFF_MS says otherwise', () => {
    expect(backoffBaseMs({})).toBe(500)
    expect(backoffBaseMs({ KS_HTTP_BACKOFF_MS: '20' })).toBe(20)
    expect(backoffBaseMs({ KS_HTTP_BACKOFF_MS: '0' })).toBe(0)
    expect(backoffBaseMs({ KS_HTTP_BACKOFF_MS: '' })).toBe(500)
    expect(backoffBaseMs({ KS_HTTP_BACKOFF_MS: '-1' })).toBe(500)
    expect(backoffBaseMs({ KS_HTTP_BACKOFF_MS: 'fast' })).toBe(500)
  })
})

describe('retryAfterMs', () => {
  it('ignores a non-positive X-RateLimit-Reset and clamps past times to zero', () => {
    expect(retryAfterMs({ 'x-ratelimit-reset': '0' }, NOW)).toBeUndefined()
    expect(retryAfterMs({ 'x-ratelimit-reset': String(NOW / 1000 - 5) }, NOW)).toBe(0)
    expect(retryAfterMs({ 'retry-after': '-3' }, NOW)).toBe(0)
  })
})
