import { z } from 'zod'
import { HttpClient, type TokenSource } from '../../http.js'
import type { Log } from '../../log.js'
import { registerSecret } from '../../secrets.js'

const TokenResponse = z.looseObject({ access_token: z.string().min(1), expires_in: z.coerce.number().optional() })

/** Telzino's docs give the API's audience in the token request. */
const AUDIENCE = 'https://api.telzino.com/'
/** Refresh a little before expiry so a long ingestion never starts on a dying token. */
const REFRESH_MARGIN_MS = 60_000

export interface TelzinoCredential {
  clientId: string
  clientSecret: string
  authUrl: string
}

/**
 * OAuth client-credentials tokens from Telzino's token endpoint (a JSON body, unlike StackSpot's
 * form). Masked on arrival, reused until shortly before expiry, fetched again after a 401.
 */
export class TelzinoTokens implements TokenSource {
  private current: { token: string; expiresAt: number } | undefined
  private pending: Promise<string> | undefined
  private readonly http: HttpClient
  private readonly credential: TelzinoCredential

  constructor(credential: TelzinoCredential, log: Log) {
    this.credential = credential
    this.http = new HttpClient({
      vendor: 'Telzino',
      baseUrl: credential.authUrl,
      log,
      hintFor: (status) => (status === 400 || status === 401 || status === 403 ? 'Check the `client-id` and `client-secret` inputs (a Telzino API client).' : undefined)
    })
  }

  async token(): Promise<string> {
    if (this.current && Date.now() < this.current.expiresAt - REFRESH_MARGIN_MS) return this.current.token
    this.pending ??= this.fetch().finally(() => (this.pending = undefined))
    return this.pending
  }

  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined
  }

  private async fetch(): Promise<string> {
    const body = await this.http.json(
      {
        method: 'POST',
        url: this.credential.authUrl,
        operation: 'get an access token',
        json: { client_id: this.credential.clientId, client_secret: this.credential.clientSecret, audience: AUDIENCE, grant_type: 'client_credentials' },
        auth: false,
        idempotent: true
      },
      TokenResponse
    )
    registerSecret(body.access_token)
    const lifetimeMs = (body.expires_in && body.expires_in > 0 ? body.expires_in : 86_400) * 1000
    this.current = { token: body.access_token, expiresAt: Date.now() + Math.max(lifetimeMs, REFRESH_MARGIN_MS + lifetimeMs / 2) }
    return body.access_token
  }
}
