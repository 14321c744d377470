import { z } from 'zod'
import { ActionError } from '../../errors.js'
import { HttpClient, type TokenSource } from '../../http.js'
import type { Log } from '../../log.js'
import { registerSecret } from '../../secrets.js'

const TokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().optional()
})

/** Refresh this long before the IDM says the token expires, so a long upload never starts on a dying token. */
const REFRESH_MARGIN_MS = 60_000
/** StackSpot documents a 20-minute session; used when the IDM omits `expires_in`. */
const DEFAULT_LIFETIME_S = 1199

export interface StackSpotCredential {
  clientId: string
  clientSecret: string
  /** Full token endpoint, e.g. https://idm.stackspot.com/{realm}/oidc/oauth/token. */
  authUrl: string
}

/**
 * OAuth client-credentials tokens from the StackSpot IDM, shared by the Knowledge Source adapter
 * and the agent. The token is masked the moment it arrives, reused until shortly before it
 * expires, and fetched again after a 401.
 */
export class StackSpotTokens implements TokenSource {
  private current: { token: string; expiresAt: number } | undefined
  private pending: Promise<string> | undefined
  private readonly http: HttpClient
  private readonly credential: StackSpotCredential
  fetchCount = 0

  constructor(credential: StackSpotCredential, log: Log) {
    this.credential = credential
    this.http = new HttpClient({
      vendor: 'StackSpot',
      baseUrl: credential.authUrl,
      log,
      // A wrong realm is a URL the IDM does not know: 404, not 401.
      hintFor: (status) =>
        status === 400 || status === 401 || status === 403 || status === 404
          ? 'Check the `client-id`, `client-secret` and `realm` inputs (a StackSpot service credential with the ai_dev and ai_admin permissions, or a PAT client).'
          : undefined
    })
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
    this.fetchCount++
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.credential.clientId,
      client_secret: this.credential.clientSecret
    }).toString()
    const res = await this.http.request({
      method: 'POST',
      url: this.credential.authUrl,
      operation: 'get an access token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      auth: false,
      // Asking for a token twice is harmless.
      idempotent: true
    })
    const parsed = this.http.parse({ method: 'POST', url: this.credential.authUrl, operation: 'get an access token' }, res, TokenResponse)
    registerSecret(parsed.access_token)
    const lifetimeMs = (parsed.expires_in && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_LIFETIME_S) * 1000
    // A token shorter-lived than our margin is still used, just refreshed on every call after half its life.
    this.current = { token: parsed.access_token, expiresAt: Date.now() + Math.max(lifetimeMs, REFRESH_MARGIN_MS + lifetimeMs / 2) }
    return parsed.access_token
  }
}

export function requireCredential(clientId: string, clientSecret: string, authUrl: string): StackSpotCredential {
  if (!clientId || !clientSecret || !authUrl) {
    throw new ActionError('StackSpot needs `client-id`, `client-secret` and `realm` (or `auth-url`).')
  }
  return { clientId, clientSecret, authUrl }
}

const shared = new Map<string, StackSpotTokens>()

/**
 * One token source per credential for the whole run, so the Knowledge Source sync and the agent
 * share a token instead of each asking the IDM.
 */
export function stackSpotTokensFor(credential: StackSpotCredential, log: Log): StackSpotTokens {
  const key = `${credential.authUrl}\n${credential.clientId}`
  let tokens = shared.get(key)
  if (!tokens) {
    tokens = new StackSpotTokens(credential, log)
    shared.set(key, tokens)
  }
  return tokens
}
