/**
 * The vendor emulator: one HTTP server on loopback that behaves as the vendor docs in
 * shared/vendor-docs describe, with per-route fault injection and an inspectable state.
 * Dev tooling only: never bundled into dist/.
 *
 * URL layout (base = http://127.0.0.1:PORT):
 *   /stackspot          StackSpot Knowledge Sources API (api-url)
 *   /stackspot/idm      StackSpot IDM; auth-url = /stackspot/idm/{realm}/oidc/oauth/token
 *   /stackspot/s3       the pre-signed S3 POST target
 *   /stackspot/agent    StackSpot Agents API (agent-url)
 *   /staffify/v1        Staffify API (api-url)
 *   /telzino            Telzino API (api-url); auth-url = /telzino/oauth/token
 *   /castrel            a Castrel instance (api-url)
 *   /github             GitHub REST API (GITHUB_API_URL)
 *   /_emulator          state, reset, seed, faults and the request log
 */
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export interface EmuRequest {
  readonly method: string
  readonly url: URL
  readonly path: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
  readonly params: Record<string, string>
  text(): string
  /** Parses the body as JSON; throws EmuError(400) when it is not. */
  json(): unknown
  /** The raw Node request, for handlers that parse multipart bodies. */
  readonly raw: http.IncomingMessage
}

export interface EmuResult {
  status: number
  json?: unknown
  body?: string | Buffer
  headers?: Record<string, string>
  /** Write the response yourself (SSE). The framework does nothing else with it. */
  stream?: (res: http.ServerResponse) => Promise<void>
}

export type Handler = (req: EmuRequest) => EmuResult | Promise<EmuResult>

/** Throw from a handler to answer with an error status and body. */
export class EmuError extends Error {
  readonly status: number
  readonly payload: unknown
  readonly headers: Record<string, string>
  constructor(status: number, payload: unknown, headers: Record<string, string> = {}) {
    super(typeof payload === 'string' ? payload : JSON.stringify(payload))
    this.status = status
    this.payload = payload
    this.headers = headers
  }
}

interface Route {
  method: string
  pattern: string
  regex: RegExp
  keys: string[]
  handler: Handler
}

export class Router {
  readonly routes: Route[] = []
  add(method: string, pattern: string, handler: Handler): void {
    const keys: string[] = []
    const regex = new RegExp(
      '^' +
        pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)(\*)?/g, (_m, key: string, star?: string) => {
          keys.push(key)
          return star ? '(.+)' : '([^/]+)'
        }) +
        '/?$'
    )
    this.routes.push({ method, pattern, regex, keys, handler })
  }
  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method && route.method !== '*') continue
      const m = route.regex.exec(path)
      if (!m) continue
      const params: Record<string, string> = {}
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1]!)))
      return { route, params }
    }
    return undefined
  }
}

/**
 * A fault to inject. `route` is `METHOD /path/pattern` as registered (or `*`), `match` a substring
 * the URL or body must contain. Generic kinds are applied by the server before the handler runs;
 * `vendor` faults are looked up by the vendor modules by `name` (e.g. `processing-error`).
 */
export interface FaultSpec {
  route?: string
  match?: string
  kind: 'latency' | 'status' | 'reset' | 'stall' | 'vendor'
  ms?: number
  status?: number
  body?: unknown
  retryAfter?: number
  /** How many requests it applies to; 0 or absent with `persistent` = forever. Default 1. */
  times?: number
  persistent?: boolean
  name?: string
  data?: Record<string, unknown>
}

interface ActiveFault extends FaultSpec {
  id: number
  remaining: number
  hits: number
}

export class Faults {
  private next = 1
  readonly active: ActiveFault[] = []
  add(spec: FaultSpec): number {
    const id = this.next++
    const remaining = spec.persistent || spec.times === 0 ? Infinity : (spec.times ?? 1)
    this.active.push({ ...spec, id, remaining, hits: 0 })
    return id
  }
  clear(): void {
    this.active.length = 0
  }
  /** Faults of a generic kind that apply to this request; consumes one use of each. */
  takeGeneric(routePattern: string, method: string, req: { url: URL; body: Buffer }): ActiveFault[] {
    const hits: ActiveFault[] = []
    for (const f of this.active) {
      if (f.kind === 'vendor' || f.remaining <= 0) continue
      if (!routeMatches(f.route, method, routePattern, req.url.pathname)) continue
      if (f.match && !req.url.toString().includes(f.match) && !req.body.includes(f.match)) continue
      f.remaining--
      f.hits++
      hits.push(f)
    }
    return hits
  }
  /** A vendor fault by name whose `match` (if any) is contained in `subject`; consumes one use. */
  take(name: string, subject = ''): ActiveFault | undefined {
    for (const f of this.active) {
      if (f.kind !== 'vendor' || f.name !== name || f.remaining <= 0) continue
      if (f.match && !subject.includes(f.match)) continue
      f.remaining--
      f.hits++
      return f
    }
    return undefined
  }
}

function routeMatches(spec: string | undefined, method: string, pattern: string, pathname: string): boolean {
  if (!spec || spec === '*') return true
  const [m, p] = spec.includes(' ') ? (spec.split(' ', 2) as [string, string]) : ['*', spec]
  if (m !== '*' && m !== method) return false
  return p === pattern || p === pathname || (p.endsWith('*') && pathname.startsWith(p.slice(0, -1)))
}

export interface EmuContext {
  /** Base URL of the server, e.g. http://127.0.0.1:4010. */
  readonly baseUrl: () => string
  readonly faults: Faults
  /** Token lifetime in seconds for the token endpoints (configurable for expiry tests). */
  tokenTtlSeconds: number
  /** How long vendor-side processing takes in ms (file indexing, RAG jobs). */
  processingMs: number
}

/** One vendor (or GitHub) emulated: its routes, state, reset and seeding. */
export interface VendorEmulator {
  readonly name: string
  register(router: Router, ctx: EmuContext): void
  state(): unknown
  reset(): void
  /** Adds content "by hand" (manual objects, entries, sources, PR files...). Returns what was made. */
  seed?(body: unknown): unknown
}

export interface RequestRecord {
  method: string
  path: string
  route: string
  status: number
  ms: number
  hasAuthorization: boolean
}

export interface EmulatorOptions {
  port?: number
  host?: string
  tokenTtlSeconds?: number
  processingMs?: number
  vendors?: VendorEmulator[]
}

export interface RunningEmulator {
  readonly url: string
  readonly ctx: EmuContext
  readonly faults: Faults
  readonly vendors: ReadonlyMap<string, VendorEmulator>
  readonly requests: RequestRecord[]
  /** URLs to pass as inputs. */
  readonly urls: Record<string, string>
  state(): Record<string, unknown>
  reset(): void
  close(): Promise<void>
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1'
  let baseUrl = ''
  const faults = new Faults()
  const ctx: EmuContext = {
    baseUrl: () => baseUrl,
    faults,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 1199,
    processingMs: options.processingMs ?? 30
  }
  const vendors = new Map<string, VendorEmulator>()
  const router = new Router()
  const list = options.vendors ?? (await import('./vendors/index.ts')).allVendors()
  for (const v of list) {
    vendors.set(v.name, v)
    v.register(router, ctx)
  }
  const requests: RequestRecord[] = []
  const sockets = new Set<Socket>()

  const admin = new Router()
  admin.add('GET', '/_emulator/state', () => ({ status: 200, json: stateOf() }))
  admin.add('GET', '/_emulator/state/:vendor', (req) => {
    const v = vendors.get(req.params.vendor!)
    if (!v) throw new EmuError(404, { error: `no vendor ${req.params.vendor}` })
    return { status: 200, json: v.state() }
  })
  admin.add('POST', '/_emulator/reset', () => {
    resetAll()
    return { status: 200, json: { reset: true } }
  })
  admin.add('POST', '/_emulator/seed/:vendor', (req) => {
    const v = vendors.get(req.params.vendor!)
    if (!v?.seed) throw new EmuError(404, { error: `vendor ${req.params.vendor} cannot be seeded` })
    return { status: 200, json: v.seed(req.json()) }
  })
  admin.add('POST', '/_emulator/faults', (req) => ({ status: 201, json: { id: faults.add(req.json() as FaultSpec) } }))
  admin.add('DELETE', '/_emulator/faults', () => {
    faults.clear()
    return { status: 200, json: { cleared: true } }
  })
  admin.add('GET', '/_emulator/faults', () => ({ status: 200, json: faults.active }))
  admin.add('GET', '/_emulator/requests', () => ({ status: 200, json: requests }))
  admin.add('DELETE', '/_emulator/requests', () => {
    requests.length = 0
    return { status: 200, json: { cleared: true } }
  })
  admin.add('POST', '/_emulator/config', (req) => {
    const body = req.json() as Partial<Pick<EmuContext, 'tokenTtlSeconds' | 'processingMs'>>
    if (typeof body.tokenTtlSeconds === 'number') ctx.tokenTtlSeconds = body.tokenTtlSeconds
    if (typeof body.processingMs === 'number') ctx.processingMs = body.processingMs
    return { status: 200, json: { tokenTtlSeconds: ctx.tokenTtlSeconds, processingMs: ctx.processingMs } }
  })

  function stateOf(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [name, v] of vendors) out[name] = v.state()
    return out
  }
  function resetAll(): void {
    for (const v of vendors.values()) v.reset()
    faults.clear()
    requests.length = 0
  }

  const server = http.createServer((rawReq, res) => {
    void handle(rawReq, res)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  async function handle(rawReq: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now()
    const chunks: Buffer[] = []
    for await (const c of rawReq) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    const url = new URL(rawReq.url ?? '/', baseUrl)
    const method = rawReq.method ?? 'GET'
    const isAdmin = url.pathname.startsWith('/_emulator/')
    const found = (isAdmin ? admin : router).match(method, url.pathname)
    const record: RequestRecord = {
      method,
      path: url.pathname + url.search,
      route: found ? `${method} ${found.route.pattern}` : `${method} (unmatched)`,
      status: 0,
      ms: 0,
      hasAuthorization: rawReq.headers.authorization !== undefined
    }
    const finish = (status: number) => {
      record.status = status
      record.ms = Date.now() - started
      if (!isAdmin) requests.push(record)
    }
    const req: EmuRequest = {
      method,
      url,
      path: url.pathname,
      headers: rawReq.headers,
      body,
      params: found?.params ?? {},
      raw: rawReq,
      text: () => body.toString('utf8'),
      json: () => {
        try {
          return JSON.parse(body.toString('utf8')) as unknown
        } catch {
          throw new EmuError(400, { error: 'invalid_json', message: 'Request body is not valid JSON' })
        }
      }
    }
    try {
      if (!isAdmin) {
        const applied = faults.takeGeneric(found?.route.pattern ?? '', method, { url, body })
        for (const f of applied) {
          if (f.kind === 'latency') await sleep(f.ms ?? 20)
        }
        const hard = applied.find((f) => f.kind !== 'latency')
        if (hard?.kind === 'reset') {
          finish(-1)
          rawReq.socket.destroy()
          return
        }
        if (hard?.kind === 'stall') {
          finish(-2)
          // Headers and half a body, then nothing: the client's body timeout has to catch it.
          res.writeHead(200, { 'content-type': 'application/json' })
          res.write('{"partial":')
          return
        }
        if (hard?.kind === 'status') {
          const status = hard.status ?? 500
          const headers: Record<string, string> = { 'content-type': 'application/json' }
          if (hard.retryAfter !== undefined) headers['retry-after'] = String(hard.retryAfter)
          res.writeHead(status, headers)
          res.end(JSON.stringify(hard.body ?? { error: 'injected_fault', message: `Injected HTTP ${status}` }))
          finish(status)
          return
        }
      }
      if (!found) throw new EmuError(404, { error: 'not_found', message: `No route for ${method} ${url.pathname}` })
      const result = await found.route.handler(req)
      if (result.stream) {
        finish(result.status)
        await result.stream(res)
        return
      }
      send(res, result)
      finish(result.status)
    } catch (error) {
      if (error instanceof EmuError) {
        send(res, { status: error.status, json: error.payload, headers: error.headers })
        finish(error.status)
        return
      }
      send(res, { status: 500, json: { error: 'emulator_error', message: error instanceof Error ? error.message : String(error) } })
      finish(500)
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  baseUrl = `http://${host}:${address.port}`

  return {
    url: baseUrl,
    ctx,
    faults,
    vendors,
    requests,
    urls: emulatorUrls(baseUrl),
    state: stateOf,
    reset: resetAll,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}

/** The inputs a user passes to point the action at an emulator running at `base`. */
export function emulatorUrls(base: string): Record<string, string> {
  return {
    'stackspot api-url': `${base}/stackspot`,
    'stackspot auth-url': `${base}/stackspot/idm/{realm}/oidc/oauth/token`,
    'agent-url': `${base}/stackspot/agent`,
    'staffify api-url': `${base}/staffify/v1`,
    'telzino api-url': `${base}/telzino`,
    'telzino auth-url': `${base}/telzino/oauth/token`,
    'castrel api-url': `${base}/castrel`,
    GITHUB_API_URL: `${base}/github`
  }
}

function send(res: http.ServerResponse, result: EmuResult): void {
  const headers: Record<string, string> = { ...result.headers }
  let payload: string | Buffer = ''
  if (result.json !== undefined) {
    payload = JSON.stringify(result.json)
    headers['content-type'] ??= 'application/json'
  } else if (result.body !== undefined) {
    payload = result.body
  }
  res.writeHead(result.status, headers)
  res.end(payload)
}
