/**
 * The plugin API between the emulator server and the vendors it hosts: what a handler receives and
 * answers, the router, fault injection and the VendorEmulator contract. Vendors import this module
 * and nothing from server.ts, so the server can be started with any list of vendors without a cycle.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'

export interface EmuRequest {
  readonly method: string
  readonly url: URL
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
  readonly params: Record<string, string>
  text(): string
  /** Parses the body as JSON; throws EmuError(400) when it is not. */
  json(): unknown
  /** The raw Node request, for handlers that parse multipart bodies. */
  readonly raw: IncomingMessage
}

export interface EmuResult {
  status: number
  json?: unknown
  body?: string | Buffer
  headers?: Record<string, string>
  /** Write the response yourself (SSE). The framework does nothing else with it. */
  stream?: (res: ServerResponse) => Promise<void>
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

export interface Route {
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
      for (const [i, k] of route.keys.entries()) params[k] = decodeURIComponent(m[i + 1]!)
      return { route, params }
    }
    return undefined
  }
}

/**
 * A fault to inject. `route` is `METHOD /path/pattern` as registered (or `*`), `match` a substring
 * the URL or body must contain. Generic kinds are applied by the server before the handler runs,
 * except `applied`, which runs the handler (its write stays done) and then loses the answer, and
 * `late`, which runs the handler at once and sends its real answer `ms` later (the write is
 * visible to other requests before the client hears of it); `vendor` faults are looked up by the vendor modules by `name` (e.g. `processing-error`).
 */
export interface FaultSpec {
  route?: string
  match?: string
  kind: 'latency' | 'status' | 'reset' | 'stall' | 'applied' | 'late' | 'vendor'
  /** `applied` only: answer `status` (default 500) or drop the connection (`reset`). Default `status`. */
  then?: 'status' | 'reset'
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

export interface ActiveFault extends FaultSpec {
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

/**
 * One vendor (or GitHub) emulated: its routes, state, reset and seeding. `Name` is the vendor's
 * key in /_emulator/state and /_emulator/seed; `State` is what state() returns; `Seed` is the
 * documented body of /_emulator/seed/<name>, which arrives there unchecked, so vendors read it
 * defensively; `Seeded` is what seeding answers.
 */
export interface VendorEmulator<Name extends string = string, State = unknown, Seed = unknown, Seeded = unknown> {
  readonly name: Name
  register(router: Router, ctx: EmuContext): void
  state(): State
  /** Empties the store and puts its settings back to their defaults. */
  reset(): void
  /** Adds content "by hand" (manual objects, entries, sources, PR files...). Returns what was made. */
  seed?(body: Seed): Seeded
  /**
   * The live behaviour switches where the vendor's docs are silent. Their defaults play the reading
   * the adapters were built on; profiles change them. reset() restores the defaults.
   */
  readonly settings?: object
  /** The other plausible behaviours this vendor's server could have (see EmulatorProfile). */
  readonly profiles?: readonly EmulatorProfile[]
}

/**
 * A behaviour a real vendor server could plausibly have where its docs are silent, played by
 * setting the vendor's emulator settings. The emulator's defaults were written from the same
 * reading of the docs as the adapters; profiles are how a test (or `npm run emulator -- --profile`)
 * checks that the action survives the other readings instead of sharing one guess.
 */
export interface EmulatorProfile {
  /** `<vendor>-<behaviour>`, unique across vendors, e.g. `stackspot-paged-objects`. */
  readonly name: string
  /** The assumption of the default behaviour that this profile breaks, as a user would read it. */
  readonly assumption: string
  /** What the emulated server does instead under this profile. */
  readonly behaviour: string
  /** Applied over the vendor's default settings. */
  readonly settings: Readonly<Record<string, unknown>>
}

/** A vendor that can be seeded (all the bundled ones can). */
export interface SeedableVendor<Name extends string, State, Seed, Seeded> extends VendorEmulator<Name, State, Seed, Seeded> {
  seed(body: Seed): Seeded
}
