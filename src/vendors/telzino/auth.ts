import type { Log } from '../../log.js'
import { registerSecret } from '../../secrets.js'
import { RefreshingTokens, requestToken, tokenEndpointClient, type TokenCache } from '../../tokens.js'

/** Telzino's docs give the API's audience in the token request. */
const AUDIENCE = 'https://api.telzino.com/'
/** Telzino's tokens last a day; used when the answer omits `expires_in`. */
const DEFAULT_LIFETIME_S = 86_400

export interface TelzinoCredential {
  clientId: string
  clientSecret: string
  authUrl: string
}

/** OAuth client-credentials tokens from Telzino's token endpoint (a JSON body, unlike StackSpot's form). */
export class TelzinoTokens extends RefreshingTokens {
  constructor(credential: TelzinoCredential, log: Log) {
    // The pair may be echoed as HTTP Basic credentials (base64 of `id:secret`).
    registerSecret(credential.clientSecret, { basicUser: credential.clientId })
    const http = tokenEndpointClient({
      vendor: 'Telzino',
      baseUrl: credential.authUrl,
      log,
      hintFor: (status) =>
        status === 400 || status === 401 || status === 403 ? 'Check the `client-id` and `client-secret` inputs (a Telzino API client).' : undefined
    })
    super(
      () =>
        requestToken(http, {
          method: 'POST',
          url: credential.authUrl,
          operation: 'get an access token',
          json: { client_id: credential.clientId, client_secret: credential.clientSecret, audience: AUDIENCE, grant_type: 'client_credentials' },
          auth: false,
          idempotent: true
        }),
      DEFAULT_LIFETIME_S
    )
  }
}

/** The API client's token source in the run's cache. */
export function telzinoTokens(cache: TokenCache, credential: TelzinoCredential, log: Log): TelzinoTokens {
  return cache.get(`telzino\n${credential.authUrl}\n${credential.clientId}`, () => new TelzinoTokens(credential, log))
}
