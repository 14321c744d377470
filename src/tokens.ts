import { z } from 'zod'
import { VendorHttpError } from './errors.js'
import { HttpClient, header, isRecord, truncate, type HttpClientOptions, type HttpRequest, type HttpResponse, type TokenSource } from './http.js'
import { registerSecret } from './secrets.js'

/** Refresh this long before the server says a token expires, so a long upload never starts on a dying token. */
const REFRESH_MARGIN_MS = 60_000

export interface IssuedToken {
  accessToken: string
  /** Lifetime in seconds, when the server says. */
  expiresIn?: number
}

/**
 * An OAuth access token that is fetched on first use, masked the moment it arrives, shared by
 * parallel callers, reused until shortly before it expires, and fetched again after a 401.
 * Vendors differ only in how a token is requested (`fetchToken`).
 */
export class RefreshingTokens implements TokenSource {
  readonly refreshable = true
  private current: { token: string; expiresAt: number } | undefined
  private pending: Promise<string> | undefined
  private readonly fetchToken: () => Promise<IssuedToken>
  private readonly defaultLifetimeS: number

  constructor(fetchToken: () => Promise<IssuedToken>, defaultLifetimeS: number) {
    this.fetchToken = fetchToken
    this.defaultLifetimeS = defaultLifetimeS
  }

  async token(): Promise<string> {
    if (this.current && Date.now() < this.current.expiresAt - REFRESH_MARGIN_MS) return this.current.token
    // Parallel uploads that all find the token stale share one token request.
    this.pending ??= this.fetch().finally(() => (this.pending = undefined))
    return this.pending
  }

  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined
  }

  private async fetch(): Promise<string> {
    const issued = await this.fetchToken()
    registerSecret(issued.accessToken)
    const lifetimeMs = (issued.expiresIn && issued.expiresIn > 0 ? issued.expiresIn : this.defaultLifetimeS) * 1000
    // A token shorter-lived than the margin is still used: refreshed after half its life.
    this.current = { token: issued.accessToken, expiresAt: Date.now() + Math.max(lifetimeMs, REFRESH_MARGIN_MS + lifetimeMs / 2) }
    return issued.accessToken
  }
}

/**
 * The run's token sources, one per credential. main creates one per run and hands it to the
 * vendor adapter and the agent step, so a StackSpot sync and its agent share one token instead of
 * each asking the IDM. Keys name the vendor and the credential (`stackspot\n<auth-url>\n<client-id>`).
 */
export class TokenCache {
  private readonly sources = new Map<string, TokenSource>()

  get<T extends TokenSource>(key: string, create: () => T): T {
    let source = this.sources.get(key)
    if (!source) {
      source = create()
      this.sources.set(key, source)
    }
    return source as T
  }
}

// ---- token endpoints --------------------------------------------------------------------

const TokenResponse = z.looseObject({ access_token: z.string().min(1), expires_in: z.coerce.number().optional() })

/**
 * The HTTP client for an OAuth token endpoint. Its answers are never quoted in a message: a
 * misconfigured endpoint or proxy can put a live token in any shape of body, and error messages
 * end up in annotations and the job summary. Errors name the OAuth `error` code instead.
 */
export function tokenEndpointClient(options: Pick<HttpClientOptions, 'vendor' | 'baseUrl' | 'log' | 'hintFor'>): HttpClient {
  return new HttpClient({ ...options, describeError: describeTokenError })
}

/** Sends a client-credentials request built by the vendor and reads the token from the JSON answer. */
export async function requestToken(http: HttpClient, req: HttpRequest): Promise<IssuedToken> {
  const res = await http.request(req)
  const text = res.text()
  maskTokenShapedValues(text)
  const fail = (what: string) =>
    new VendorHttpError({
      vendor: http.vendor,
      operation: req.operation,
      status: res.status,
      detail: `the token endpoint answered ${what}; the body is not shown, since it may hold a token`,
      hint: 'Check the auth URL: it must be the OAuth token endpoint, which answers JSON with an `access_token`.'
    })
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw fail(`${describeBody(res, text)} instead of JSON`)
  }
  const parsed = TokenResponse.safeParse(body)
  if (!parsed.success) {
    const fields = isRecord(body) ? fieldNames(Object.keys(body)) : ''
    throw fail(`JSON without a usable \`access_token\`${fields ? ` (fields: ${fields})` : ''}`)
  }
  return { accessToken: parsed.data.access_token, expiresIn: parsed.data.expires_in }
}

/** A failed token request: the OAuth error code and description (RFC 6749 §5.2), never the raw body. */
export function describeTokenError(_status: number, body: unknown, text: string): string {
  maskTokenShapedValues(text)
  if (isRecord(body)) {
    const code = typeof body.error === 'string' ? body.error : undefined
    const description = ['error_description', 'message', 'detail', 'title'].map((k) => body[k]).find((v): v is string => typeof v === 'string' && v !== '')
    if (code || description) return truncate([code, description].filter(Boolean).join(': '))
    return 'JSON without an OAuth error code'
  }
  return describeBody(undefined, text)
}

const TOKEN_KEYS = new Set(['access_token', 'refresh_token', 'id_token', 'token'])
const TOKEN_ASSIGNMENT = /\b(?:access_token|refresh_token|id_token)["']?\s*[:=]\s*["']?([^"'&\s,;<>}]+)/gi
const JWT = /\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g

/**
 * Registers as secrets whatever in a token endpoint's answer looks like a token, whatever the
 * answer's format: JSON, form-encoded, HTML around a form, or a bare JWT. Called before the body
 * is looked at for anything else, so no later message or log line can carry one.
 */
export function maskTokenShapedValues(text: string): void {
  for (const m of text.matchAll(JWT)) registerSecret(m[0])
  for (const m of text.matchAll(TOKEN_ASSIGNMENT)) {
    registerSecret(m[1])
    registerSecret(safeDecode(m[1]!))
  }
  try {
    for (const [key, value] of new URLSearchParams(text.trim())) if (TOKEN_KEYS.has(key.toLowerCase())) registerSecret(value)
  } catch {
    // Not form-encoded: the patterns above have looked at it already.
  }
  try {
    registerTokenFields(JSON.parse(text))
  } catch {
    // Not JSON either.
  }
}

function registerTokenFields(value: unknown, depth = 0): void {
  if (depth > 5) return
  if (Array.isArray(value)) for (const v of value) registerTokenFields(v, depth + 1)
  if (!isRecord(value)) return
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' && TOKEN_KEYS.has(key.toLowerCase())) registerSecret(v)
    else registerTokenFields(v, depth + 1)
  }
}

/** What kind of body it was, in words, from its content type and first characters. */
function describeBody(res: Pick<HttpResponse, 'headers'> | undefined, text: string): string {
  const type = /^[\w.+-]+\/[\w.+-]+/.exec(res ? (header(res.headers, 'content-type') ?? '') : '')?.[0]?.toLowerCase()
  const trimmed = text.trim()
  if (trimmed === '') return 'an empty body'
  if (type?.includes('html') || /^<(?:!doctype|html|head|body)\b/i.test(trimmed)) return 'an HTML page (a login page or a proxy, not the token endpoint?)'
  if (type === 'application/x-www-form-urlencoded' || /^[\w.-]+=[^&\s]*(?:&[\w.-]+=[^&\s]*)+$/.test(trimmed)) {
    const fields = fieldNames([...new URLSearchParams(trimmed).keys()])
    return `a form-encoded body${fields ? ` (fields: ${fields})` : ''}`
  }
  return `a ${Buffer.byteLength(text)}-byte body${type ? ` of type ${type}` : ''} that is not JSON`
}

/** Field names are safe to show (values never are), as long as they look like names. */
function fieldNames(keys: readonly string[]): string {
  return keys
    .filter((k) => /^[A-Za-z_][\w.-]{0,39}$/.test(k))
    .slice(0, 10)
    .join(', ')
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    return value
  }
}
