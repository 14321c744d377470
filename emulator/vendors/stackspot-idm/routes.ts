/**
 * POST /stackspot/idm/{realm}/oidc/oauth/token: the OIDC client-credentials grant, form-encoded
 * grant_type/client_id/client_secret.
 */
import { randomBytes } from 'node:crypto'
import { EmuError, type EmuRequest, type EmuResult, type Router } from '../../framework.ts'
import type { IdmStore } from './state.ts'

export function registerIdmRoutes(router: Router, store: IdmStore): void {
  router.add('POST', '/stackspot/idm/:realm/oidc/oauth/token', (req) => token(store, req))
}

function token(store: IdmStore, req: EmuRequest): EmuResult {
  const type = String(req.headers['content-type'] ?? '')
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new EmuError(400, { error: 'invalid_request', error_description: 'Content-Type must be application/x-www-form-urlencoded' })
  }
  const form = new URLSearchParams(req.text())
  if (form.get('grant_type') !== 'client_credentials') {
    throw new EmuError(400, { error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' })
  }
  const client = store.clients.find((c) => c.realm === req.params.realm && c.clientId === form.get('client_id') && c.clientSecret === form.get('client_secret'))
  if (!client) throw new EmuError(401, { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' })
  const accessToken = `eyJ.${randomBytes(24).toString('hex')}`
  const ttl = store.ctx.tokenTtlSeconds
  store.tokens.set(accessToken, { clientId: client.clientId, expiresAt: Date.now() + ttl * 1000 })
  store.issued++
  return { status: 200, json: { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, refresh_expires_in: 0, scope: 'openid' } }
}
