import { setTimeout as sleep } from 'node:timers/promises'
import { Readable } from 'node:stream'
import { request, EnvHttpProxyAgent, getGlobalDispatcher, type Dispatcher } from 'undici'
import type { z } from 'zod'
import { VendorHttpError } from './errors.js'
import type { Log } from './log.js'
import { redact } from './secrets.js'

/** Where a bearer token comes from. Adapters with OAuth refresh it; static keys never change. */
export interface TokenSource {
  /** False for static keys: a 401 then means the key is wrong, and asking again only adds a failed sign-in. */
  readonly refreshable?: boolean
  token(): Promise<string>
  /** Called once when the API answers 401 to a request made with `token`. */
  invalidate(token: string): void
}

/** A bearer key that never changes (API keys, PATs): a 401 means the key is wrong. */
export function staticTokens(key: string): TokenSource {
  return { refreshable: false, token: async () => key, invalidate: () => undefined }
}

export type HttpBody = string | Buffer | Uint8Array | Readable
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD'

export interface HttpRequest {
  method: HttpMethod
  /** A path below the client's base URL (`/v1/things`) or an absolute URL (pre-signed uploads). */
  url: string
  /** What the user would call this step; it names the failure: `create upload form for docs/a.md`. */
  operation: string
  query?: Record<string, string | number | boolean | undefined>
  headers?: Record<string, string>
  json?: unknown
  /** A body, or a factory for one: give a factory for streams so a retry can send the body again. */
  body?: HttpBody | (() => HttpBody)
  /** Send the bearer token. Default: true for the client's own API origins, and never for others. */
  auth?: boolean
  /** Safe to send twice. Default: true for GET, HEAD, PUT and DELETE. */
  idempotent?: boolean
  /** Statuses that are answers, not errors (e.g. 404 when looking a store up). */
  accept?: readonly number[]
  timeoutMs?: number
}

export interface HttpResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  text(): string
  json(): unknown
}

export interface HttpClientOptions {
  /** Vendor name for messages: `StackSpot`. */
  vendor: string
  baseUrl: string
  tokens?: TokenSource
  /** Extra origins that may receive the token (e.g. the StackSpot agent host). */
  authOrigins?: readonly string[]
  log: Log
  timeoutMs?: number
  maxRetries?: number
  /** Turns a vendor's error body into the sentence shown to the user. */
  describeError?: (status: number, body: unknown, text: string) => string | undefined
  /** Adds a fix to the message for statuses the user can act on (401, 403, 402…). */
  hintFor?: (status: number, body: unknown) => string | undefined
  /** Extra headers on every API request (e.g. Staffify's `X-Project-Id`). */
  defaultHeaders?: Record<string, string>
}

/** Longest a server may ask us to wait (Retry-After, X-RateLimit-Reset) before we give up instead. */
const MAX_SERVER_WAIT_MS = 120_000
const MAX_BACKOFF_MS = 30_000

/** Base of the exponential backoff. Tunable so test suites are not slowed by real back-off. */
function backoffBaseMs(): number {
  const fromEnv = Number(process.env.KS_HTTP_BACKOFF_MS)
  return Number.isFinite(fromEnv) && fromEnv >= 0 && process.env.KS_HTTP_BACKOFF_MS !== '' ? fromEnv : 500
}

/** Exponential backoff for retry `attempt` (0-based), with jitter. */
export function backoffDelayMs(attempt: number): number {
  const cap = Math.min(MAX_BACKOFF_MS, backoffBaseMs() * 2 ** attempt)
  // Full jitter: parallel workers that failed together do not retry together.
  return Math.round(cap / 2 + Math.random() * (cap / 2))
}

let sharedDispatcher: Dispatcher | undefined
/**
 * Honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY as self-hosted runners behind a proxy expect;
 * otherwise use undici's global dispatcher (which tests may replace with a MockAgent).
 */
export function dispatcher(): Dispatcher {
  const env = process.env
  const proxied = env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy
  if (!proxied) return getGlobalDispatcher()
  sharedDispatcher ??= new EnvHttpProxyAgent()
  return sharedDispatcher
}

export class HttpClient {
  readonly vendor: string
  readonly baseUrl: string
  private readonly apiOrigins: Set<string>
  /** Set when the server says the rate-limit window is used up; every request waits for it. */
  private pausedUntil = 0
  /** Requests sent and not yet answered, to pace parallel workers against a rate-limit window. */
  private inFlight = 0
  requestCount = 0
  private readonly options: HttpClientOptions

  constructor(options: HttpClientOptions) {
    this.options = options
    this.vendor = options.vendor
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.apiOrigins = new Set([new URL(this.baseUrl).origin, ...(options.authOrigins ?? []).map((u) => new URL(u).origin)])
  }

  /** Full URL for a path below the base URL. The base may carry a path prefix (`…/v1`). */
  resolve(path: string, query?: HttpRequest['query']): URL {
    const url = /^https?:\/\//i.test(path) ? new URL(path) : new URL(this.baseUrl + (path.startsWith('/') ? path : `/${path}`))
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v))
    return url
  }

  async json<S extends z.ZodType>(req: HttpRequest, schema: S): Promise<z.infer<S>> {
    const res = await this.request(req)
    return this.parse(req, res, schema)
  }

  parse<S extends z.ZodType>(req: HttpRequest, res: HttpResponse, schema: S): z.infer<S> {
    let body: unknown
    try {
      body = res.json()
    } catch {
      throw new VendorHttpError({
        vendor: this.vendor,
        operation: req.operation,
        status: res.status,
        detail: `the response was not JSON: ${truncate(res.text())}`
      })
    }
    const parsed = schema.safeParse(body)
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
      throw new VendorHttpError({
        vendor: this.vendor,
        operation: req.operation,
        status: res.status,
        detail: `unexpected response shape (${truncate(issues)}); the vendor API may have changed`
      })
    }
    return parsed.data
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = this.resolve(req.url, req.query)
    const sameApi = this.apiOrigins.has(url.origin)
    // The token never leaves the vendor's API hosts, whatever the caller asks for.
    const withAuth = sameApi && (req.auth ?? true) && this.options.tokens !== undefined
    const idempotent = req.idempotent ?? ['GET', 'HEAD', 'PUT', 'DELETE'].includes(req.method)
    const maxRetries = this.options.maxRetries ?? 5
    const accept = new Set(req.accept ?? [])
    let refreshedAfter401 = false
    for (let attempt = 0; ; attempt++) {
      await this.waitForRateLimit()
      const headers: Record<string, string> = { 'user-agent': 'knowledge-sync-action', ...(sameApi ? this.options.defaultHeaders : {}), ...req.headers }
      let token: string | undefined
      if (withAuth) {
        token = await this.options.tokens!.token()
        headers.authorization = `Bearer ${token}`
      }
      let body: HttpBody | undefined
      if (req.json !== undefined) {
        body = JSON.stringify(req.json)
        headers['content-type'] ??= 'application/json'
      } else if (req.body !== undefined) {
        body = typeof req.body === 'function' ? req.body() : req.body
      }
      if ((typeof body === 'string' || Buffer.isBuffer(body) || body instanceof Uint8Array) && headers['content-length'] === undefined) {
        headers['content-length'] = String(Buffer.byteLength(body))
      }
      const started = Date.now()
      let res: HttpResponse
      try {
        this.requestCount++
        this.inFlight++
        try {
          res = await this.send(url, req, headers, body)
        } finally {
          this.inFlight--
        }
      } catch (error) {
        const reason = networkReason(error)
        if (idempotent && attempt < maxRetries) {
          const wait = this.backoff(attempt)
          this.options.log.debug(`${this.vendor}: ${req.operation}: ${reason}; retrying in ${wait} ms`)
          await sleep(wait)
          continue
        }
        throw new VendorHttpError({ vendor: this.vendor, operation: req.operation, detail: reason })
      }
      this.options.log.debug(`${this.vendor}: ${req.method} ${url.pathname} → ${res.status} (${Date.now() - started} ms)`)
      this.noteRateLimit(res)
      if ((res.status >= 200 && res.status < 300) || accept.has(res.status)) return res

      if (res.status === 401 && withAuth && token && !refreshedAfter401 && this.options.tokens!.refreshable !== false) {
        // A token can expire between our expiry check and the server's; get a new one once.
        refreshedAfter401 = true
        this.options.tokens!.invalidate(token)
        this.options.log.debug(`${this.vendor}: ${req.operation}: 401, fetching a new token`)
        continue
      }
      const retriable = res.status === 429 || res.status === 503 || (idempotent && (res.status === 500 || res.status === 502 || res.status === 504))
      if (retriable && attempt < maxRetries) {
        const serverWait = retryAfterMs(res.headers)
        if (serverWait !== undefined && serverWait > MAX_SERVER_WAIT_MS) {
          throw this.failure(req, res, `the server asked us to wait ${Math.ceil(serverWait / 1000)} s, longer than the action waits`)
        }
        const wait = serverWait ?? this.backoff(attempt)
        this.options.log.info(`${this.vendor}: ${req.operation}: HTTP ${res.status}, retrying in ${(wait / 1000).toFixed(1)} s (attempt ${attempt + 2} of ${maxRetries + 1})`)
        await sleep(wait)
        continue
      }
      throw this.failure(req, res)
    }
  }

  private async send(url: URL, req: HttpRequest, headers: Record<string, string>, body: HttpBody | undefined): Promise<HttpResponse> {
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs ?? 60_000
    const res = await request(url, {
      method: req.method,
      headers,
      body,
      dispatcher: dispatcher(),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs * 2)
    })
    const chunks: Buffer[] = []
    for await (const chunk of res.body) chunks.push(Buffer.from(chunk as Uint8Array))
    const buffer = Buffer.concat(chunks)
    return {
      status: res.statusCode,
      headers: res.headers,
      body: buffer,
      text: () => buffer.toString('utf8'),
      json: () => JSON.parse(buffer.toString('utf8')) as unknown
    }
  }

  /** The error for a final non-2xx answer, with the vendor's own message and a fix where we know one. */
  failure(req: HttpRequest, res: HttpResponse, extra?: string): VendorHttpError {
    const text = res.text()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    const described = this.options.describeError?.(res.status, body, text) ?? genericDetail(body, text)
    const hint = this.options.hintFor?.(res.status, body)
    const code = isRecord(body) && typeof body.code === 'string' ? body.code : undefined
    return new VendorHttpError({
      vendor: this.vendor,
      operation: req.operation,
      status: res.status,
      detail: extra ? `${described}; ${extra}` : described,
      hint,
      code
    })
  }

  private backoff(attempt: number): number {
    return backoffDelayMs(attempt)
  }

  private noteRateLimit(res: HttpResponse): void {
    const remaining = header(res.headers, 'x-ratelimit-remaining')
    const reset = header(res.headers, 'x-ratelimit-reset')
    // Pause once the requests still in flight would use up what is left of the window.
    if (remaining === undefined || reset === undefined || Number(remaining) > this.inFlight) return
    const until = resetToEpochMs(reset)
    if (until !== undefined && until > Date.now()) {
      this.pausedUntil = Math.max(this.pausedUntil, Math.min(until, Date.now() + MAX_SERVER_WAIT_MS))
    }
  }

  private async waitForRateLimit(): Promise<void> {
    const wait = this.pausedUntil - Date.now()
    if (wait > 0) {
      this.options.log.info(`${this.vendor}: rate-limit window used up, waiting ${(wait / 1000).toFixed(1)} s for it to reset`)
      await sleep(wait)
    }
  }
}

export function header(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

/** Retry-After (seconds or HTTP date), else an X-RateLimit-Reset epoch, in milliseconds from now. */
export function retryAfterMs(headers: HttpResponse['headers'], now = Date.now()): number | undefined {
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
function resetToEpochMs(value: string): number | undefined {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) return undefined
  return n > 1e12 ? n : n * 1000
}

function networkReason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string }).code
    if (error.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return 'the server did not answer in time'
    }
    return redact(`network error${code ? ` ${code}` : ''}: ${error.message}`)
  }
  return redact(String(error))
}

function genericDetail(body: unknown, text: string): string {
  if (isRecord(body)) {
    for (const key of ['message', 'error_description', 'error', 'detail', 'title']) {
      const value = body[key]
      if (typeof value === 'string' && value) return truncate(value)
      if (isRecord(value) && typeof value.message === 'string') return truncate(value.message)
    }
  }
  return text.trim() ? truncate(text) : 'no details in the response'
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function truncate(text: string, max = 300): string {
  const clean = text.replace(/\s+/g, ' ').trim()
  return clean.length > max ? `${clean.slice(0, max)}…` : clean
}
