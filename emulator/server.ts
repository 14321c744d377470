/**
 * The vendor emulator: one HTTP server on loopback that behaves as the vendor docs in
 * shared/vendor-docs describe, with per-route fault injection and an inspectable state.
 * Dev tooling only: never bundled into dist/. The caller chooses the vendors (vendors/index.ts
 * has them all); the plugin API they are written against is framework.ts.
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
import {
  EmuError,
  Faults,
  Router,
  type EmulatorProfile,
  type EmuContext,
  type EmuRequest,
  type EmuResult,
  type FaultSpec,
  type VendorEmulator
} from './framework.ts'

export interface RequestRecord {
  method: string
  path: string
  route: string
  status: number
  ms: number
  hasAuthorization: boolean
}

export interface EmulatorOptions<V extends VendorEmulator = VendorEmulator> {
  port?: number
  host?: string
  tokenTtlSeconds?: number
  processingMs?: number
  vendors: readonly V[]
  /** Profiles in force from the start and after every reset (names from the vendors' `profiles`). */
  profiles?: readonly string[]
}

/** The vendor among `V` whose name is `N`, with its own state and seed types. */
export type VendorNamed<V extends VendorEmulator, N extends string> = Extract<V, { readonly name: N }>

/** Every vendor's state by name, as `GET /_emulator/state` answers it. */
export type StatesOf<V extends VendorEmulator> = { [K in V as K['name']]: ReturnType<K['state']> }

/** `V` is the union of the vendors it hosts, which types `vendor(name)` and `state()`. */
export interface RunningEmulator<V extends VendorEmulator = VendorEmulator> {
  readonly url: string
  readonly ctx: EmuContext
  readonly faults: Faults
  readonly vendors: ReadonlyMap<string, V>
  /** One hosted vendor by name; throws when this emulator was started without it. */
  vendor<N extends V['name']>(name: N): VendorNamed<V, N>
  readonly requests: RequestRecord[]
  /** URLs to pass as inputs. */
  readonly urls: Record<string, string>
  state(): StatesOf<V>
  /** Empties every store and clears faults and the request log; the profiles in force stay. */
  reset(): void
  /** Every profile the hosted vendors offer, and which are in force. */
  profiles(): Array<EmulatorProfile & { vendor: string; active: boolean }>
  /**
   * Puts a profile in force (its vendor's settings: defaults, then the profile's), replacing that
   * vendor's previous profile; `useDefaults(vendor)` goes back to the default behaviour.
   */
  useProfile(name: string): EmulatorProfile
  useDefaults(vendor: string): void
  close(): Promise<void>
}

export async function startEmulator<V extends VendorEmulator>(options: EmulatorOptions<V>): Promise<RunningEmulator<V>> {
  const host = options.host ?? '127.0.0.1'
  let baseUrl = ''
  const faults = new Faults()
  const ctx: EmuContext = {
    baseUrl: () => baseUrl,
    faults,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 1199,
    processingMs: options.processingMs ?? 30
  }
  const vendors = new Map<string, V>()
  const router = new Router()
  for (const v of options.vendors) {
    vendors.set(v.name, v)
    v.register(router, ctx)
  }
  const requests: RequestRecord[] = []
  const sockets = new Set<Socket>()
  /** The profile in force per vendor name. */
  const activeProfiles = new Map<string, EmulatorProfile>()
  /** Each vendor's settings as it started, to go back to from a profile without a reset. */
  const defaultSettings = new Map([...vendors].map(([name, v]) => [name, structuredClone(v.settings ?? {})]))
  for (const name of options.profiles ?? []) useProfile(name)

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
  admin.add('GET', '/_emulator/profiles', () => ({ status: 200, json: listProfiles() }))
  // Body { "name": "<profile>" } puts it in force; { "vendor": "<vendor>", "name": null } goes back to the defaults.
  admin.add('POST', '/_emulator/profile', (req) => {
    const body = req.json() as { name?: string | null; vendor?: string }
    if (typeof body.name === 'string') return { status: 200, json: useProfile(body.name) }
    if (typeof body.vendor === 'string' && vendors.has(body.vendor)) {
      useDefaults(body.vendor)
      return { status: 200, json: { vendor: body.vendor, profile: null } }
    }
    throw new EmuError(400, { error: 'send {"name": "<profile>"} or {"vendor": "<vendor>", "name": null}' })
  })
  admin.add('POST', '/_emulator/config', (req) => {
    const body = req.json() as Partial<Pick<EmuContext, 'tokenTtlSeconds' | 'processingMs'>>
    if (typeof body.tokenTtlSeconds === 'number') ctx.tokenTtlSeconds = body.tokenTtlSeconds
    if (typeof body.processingMs === 'number') ctx.processingMs = body.processingMs
    return { status: 200, json: { tokenTtlSeconds: ctx.tokenTtlSeconds, processingMs: ctx.processingMs } }
  })

  function stateOf(): StatesOf<V> {
    const out: Record<string, unknown> = {}
    for (const [name, v] of vendors) out[name] = v.state()
    return out as StatesOf<V>
  }
  function vendor<N extends V['name']>(name: N): VendorNamed<V, N> {
    const v = vendors.get(name)
    if (!v) throw new Error(`this emulator was started without the ${name} vendor`)
    // The map is keyed by each vendor's own name, so the one found is the one named N.
    return v as VendorNamed<V, N>
  }
  function resetAll(): void {
    for (const v of vendors.values()) v.reset()
    for (const [name, profile] of activeProfiles) Object.assign(vendors.get(name)?.settings ?? {}, profile.settings)
    faults.clear()
    requests.length = 0
  }
  function findProfile(name: string): { vendor: V; profile: EmulatorProfile } {
    for (const v of vendors.values()) {
      const profile = v.profiles?.find((p) => p.name === name)
      if (profile) return { vendor: v, profile }
    }
    const known = [...vendors.values()].flatMap((v) => (v.profiles ?? []).map((p) => p.name))
    throw new EmuError(404, { error: `no profile "${name}"; known: ${known.join(', ') || 'none'}` })
  }
  function useProfile(name: string): EmulatorProfile {
    const { vendor, profile } = findProfile(name)
    useDefaults(vendor.name)
    Object.assign(vendor.settings ?? {}, profile.settings)
    activeProfiles.set(vendor.name, profile)
    return profile
  }
  /** Back to the default settings without touching the store's data. */
  function useDefaults(name: string): void {
    const v = vendors.get(name)
    const settings = v?.settings as Record<string, unknown> | undefined
    activeProfiles.delete(name)
    if (!v || !settings) return
    Object.assign(settings, defaultSettings.get(name))
  }
  function listProfiles(): Array<EmulatorProfile & { vendor: string; active: boolean }> {
    return [...vendors.values()].flatMap((v) => (v.profiles ?? []).map((p) => ({ ...p, vendor: v.name, active: activeProfiles.get(v.name) === p })))
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
    let lateBy = 0
    try {
      if (!isAdmin) {
        const applied = faults.takeGeneric(found?.route.pattern ?? '', method, { url, body })
        for (const f of applied) {
          if (f.kind === 'latency') await sleep(f.ms ?? 20)
        }
        const hard = applied.find((f) => f.kind !== 'latency' && f.kind !== 'late')
        const late = applied.find((f) => f.kind === 'late')
        if (late) lateBy = late.ms ?? 200
        if (hard?.kind === 'applied' && found) {
          // The write happens; only its answer is lost, as when a gateway times out after the backend committed.
          const route = found.route
          await (async () => route.handler(req))().catch(() => undefined)
          if (hard.then === 'reset') {
            finish(-1)
            rawReq.socket.destroy()
            return
          }
          const status = hard.status ?? 500
          res.writeHead(status, { 'content-type': 'application/json' })
          res.end(JSON.stringify(hard.body ?? { error: 'injected_fault', message: `Injected HTTP ${status} after the request was applied` }))
          finish(status)
          return
        }
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
      if (lateBy > 0) await sleep(lateBy)
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
    vendor,
    requests,
    urls: emulatorUrls(baseUrl),
    state: stateOf,
    reset: resetAll,
    profiles: listProfiles,
    useProfile,
    useDefaults,
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
