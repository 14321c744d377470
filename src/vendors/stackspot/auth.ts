import { ActionError } from '../../errors.js'
import type { Log } from '../../log.js'
import { registerSecret } from '../../secrets.js'
import { RefreshingTokens, requestToken, tokenEndpointClient, type TokenCache } from '../../tokens.js'

/** StackSpot documents a 20-minute session; used when the IDM omits `expires_in`. */
const DEFAULT_LIFETIME_S = 1199

export interface StackSpotCredential {
  clientId: string
  clientSecret: string
  /** Full token endpoint, e.g. https://idm.stackspot.com/{realm}/oidc/oauth/token. */
  authUrl: string
}

/**
 * OAuth client-credentials tokens from the StackSpot IDM (a form-encoded request), shared by the
 * Knowledge Source adapter and the agent.
 */
export class StackSpotTokens extends RefreshingTokens {
  constructor(credential: StackSpotCredential, log: Log) {
    // The pair may be echoed as HTTP Basic credentials (base64 of `id:secret`).
    registerSecret(credential.clientSecret, { basicUser: credential.clientId })
    const http = tokenEndpointClient({
      vendor: 'StackSpot',
      baseUrl: credential.authUrl,
      log,
      hintFor: (status) =>
        status === 400 || status === 401 || status === 403 || status === 404
          ? 'Check the `client-id`, `client-secret` and `realm` inputs (a StackSpot service credential with the ai_dev and ai_admin permissions, or a PAT client).'
          : undefined
    })
    super(async () => {
      const req = {
        method: 'POST' as const,
        url: credential.authUrl,
        operation: 'get an access token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: credential.clientId, client_secret: credential.clientSecret }).toString(),
        auth: false,
        // Asking for a token twice is harmless.
        idempotent: true
      }
      return requestToken(http, req)
    }, DEFAULT_LIFETIME_S)
  }
}

export function requireCredential(clientId: string, clientSecret: string, authUrl: string): StackSpotCredential {
  if (!clientId || !clientSecret || !authUrl) {
    throw new ActionError('StackSpot needs `client-id`, `client-secret` and `realm` (or `auth-url`).')
  }
  return { clientId, clientSecret, authUrl }
}

/** The credential's token source in the run's cache: the Knowledge Source sync and the agent share it. */
export function stackSpotTokens(cache: TokenCache, credential: StackSpotCredential, log: Log): StackSpotTokens {
  return cache.get(`stackspot\n${credential.authUrl}\n${credential.clientId}`, () => new StackSpotTokens(credential, log))
}
