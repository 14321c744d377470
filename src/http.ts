// Over 350 lines on purpose: one request's whole life (auth, retries, rate limits, body cap, errors) reads best in one place.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Readable } from 'node:stream'
import { request, EnvHttpProxyAgent, getGlobalDispatcher, type Dispatcher } from 'undici'
import type { z } from 'zod'
import { VendorHttpError } from './errors.js'
import type { Log } from './log.js'
import { redact } from './secrets.js'
import {
  MAX_SERVER_WAIT_MS,
  backoffBaseMs,
  decideRetry,
  header,
  resetToEpochMs,
  serverWaitTooLong,
  type AttemptOutcome,
  type ResponseHeaders
} from './retry-policy.js'

// Callers read headers through the HTTP client; the parsing itself belongs to the retry policy.
export { header, retryAfterMs } from './retry-policy.js'

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
/** The most of a response body read by default: far above any JSON answer we expect, far below a runner's memory. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024
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
  /** Largest response body read, in bytes; a larger one fails the request. Default: the client's, else MAX_RESPONSE_BYTES. */
  maxBodyBytes?: number
}

export interface HttpResponse {
  status: number
  headers: ResponseHeaders
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
  /** Largest response body read, in bytes (MAX_RESPONSE_BYTES when absent). */
  maxBodyBytes?: number
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
    let refreshed = false
    for (let attempt = 0; ; attempt++) {
      await this.waitForRateLimit()
      const { headers, body, token } = await this.prepare(req, sameApi, withAuth)
      const started = Date.now()
      let res: HttpResponse | undefined
      let networkFailure: string | undefined
      try {
        res = await this.sendCounted(url, req, headers, body)
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          // Not retried: the same request would bring the same body.
          throw new VendorHttpError({
            vendor: this.vendor,
            operation: req.operation,
            status: error.status,
            detail: `the response is larger than ${formatBytes(error.cap)}, the most the action reads for this request; the vendor sent far more than this call ever returns`
          })
        }
        networkFailure = networkReason(error)
      }
      if (res) {
        this.options.log.debug(`${this.vendor}: ${req.method} ${url.pathname} → ${res.status} (${Date.now() - started} ms)`)
        this.noteRateLimit(res)
      }
      const outcome: AttemptOutcome = res ? { kind: 'response', status: res.status, headers: res.headers } : { kind: 'network-error' }
      const decision = decideRetry(outcome, attempt, {
        idempotent,
        refreshable: withAuth && Boolean(token) && this.options.tokens!.refreshable !== false,
        refreshed,
        maxRetries,
        accept: req.accept,
        backoffBaseMs: backoffBaseMs(),
        now: Date.now(),
        random: Math.random
      })
      switch (decision.kind) {
        case 'done':
          return res!
        case 'refresh-token':
          refreshed = true
          this.options.tokens!.invalidate(token!)
          this.options.log.debug(`${this.vendor}: ${req.operation}: 401, fetching a new token`)
          continue
        case 'retry':
          if (res) {
            this.options.log.info(
              `${this.vendor}: ${req.operation}: HTTP ${res.status}, retrying in ${(decision.afterMs / 1000).toFixed(1)} s (attempt ${attempt + 2} of ${maxRetries + 1})`
            )
          } else {
            this.options.log.debug(`${this.vendor}: ${req.operation}: ${networkFailure}; retrying in ${decision.afterMs} ms`)
          }
          await sleep(decision.afterMs)
          continue
        case 'fail':
          if (!res) throw new VendorHttpError({ vendor: this.vendor, operation: req.operation, detail: networkFailure!, noAnswer: true })
          throw this.failure(req, res, decision.reason === 'server-wait-too-long' ? serverWaitTooLong(decision.waitMs) : undefined)
      }
    }
  }

  /** Headers and body for one attempt: a body factory is called again so a retry can resend a stream. */
  private async prepare(req: HttpRequest, sameApi: boolean, withAuth: boolean): Promise<{ headers: Record<string, string>; body?: HttpBody; token?: string }> {
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
    return { headers, body, token }
  }

  private async sendCounted(url: URL, req: HttpRequest, headers: Record<string, string>, body: HttpBody | undefined): Promise<HttpResponse> {
    this.requestCount++
    this.inFlight++
    try {
      return await this.send(url, req, headers, body)
    } finally {
      this.inFlight--
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
    // A body is read whole into memory, so a server that sends without end must not exhaust the runner.
    const cap = req.maxBodyBytes ?? this.options.maxBodyBytes ?? MAX_RESPONSE_BYTES
    if (Number(header(res.headers, 'content-length') ?? 0) > cap) {
      // undici reports the abort as an 'error' on the body; nobody else listens to it any more.
      res.body.on('error', () => undefined).destroy()
      throw new BodyTooLarge(res.statusCode, cap)
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of res.body) {
      size += (chunk as Uint8Array).length
      // Leaving the loop by a throw destroys the stream, so the rest is never read.
      if (size > cap) throw new BodyTooLarge(res.statusCode, cap)
      chunks.push(Buffer.from(chunk as Uint8Array))
    }
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
    const described = redirectDetail(res, this.resolve(req.url, req.query)) ?? this.options.describeError?.(res.status, body, text) ?? genericDetail(body, text)
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

class BodyTooLarge extends Error {
  readonly status: number
  readonly cap: number
  constructor(status: number, cap: number) {
    super(`response body over ${cap} bytes`)
    this.status = status
    this.cap = cap
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 && n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`
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

/**
 * A vendor's text cut down for a message. Redacted before the cut: a secret straddling the cut
 * would otherwise survive as a prefix that no longer matches the whole secret.
 */
export function truncate(text: string, max = 300): string {
  const clean = redact(text).replace(/\s+/g, ' ').trim()
  return clean.length > max ? `${clean.slice(0, max)}…` : clean
}

/**
 * Redirects are never followed (undici does not unless told to), so a token cannot be carried to
 * another host by a 3xx; this says so instead of showing the redirect's empty body.
 */
function redirectDetail(res: HttpResponse, from: URL): string | undefined {
  if (res.status < 300 || res.status > 399) return undefined
  const location = header(res.headers, 'location')
  let target = 'another address'
  if (location) {
    try {
      // The origin only: a redirect target's path and query may carry a signature.
      const origin = new URL(location, from).origin
      target = origin === from.origin ? 'another address on the same server' : origin
    } catch {
      // An unparsable Location says nothing more useful than "another address".
    }
  }
  return `the server redirected to ${target}; the action does not follow redirects, so requests and credentials only go to the configured URL (check the URL inputs)`
}
