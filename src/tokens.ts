import type { TokenSource } from './http.js'
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

