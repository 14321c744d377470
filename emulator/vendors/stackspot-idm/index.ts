/**
 * StackSpot IDM: the OIDC client-credentials token endpoint, shared by the Knowledge Sources and
 * Agents emulators (both accept the same bearer tokens).
 * POST /stackspot/idm/{realm}/oidc/oauth/token, form-encoded grant_type/client_id/client_secret.
 */
import { randomBytes } from 'node:crypto'
import { DEMO_ACCOUNTS } from '../../demo-accounts.ts'
import { EmuError, type EmuContext, type EmuRequest, type Router, type VendorEmulator } from '../../framework.ts'

export interface IdmClient {
  clientId: string
  clientSecret: string
  realm: string
}

/** The credential every emulated account accepts unless a test seeds others. */
export const DEMO_CLIENT: IdmClient = { ...DEMO_ACCOUNTS.stackspot }

export class StackSpotIdm implements VendorEmulator {
  readonly name = 'stackspot-idm'
  private clients: IdmClient[] = [DEMO_CLIENT]
  private tokens = new Map<string, { clientId: string; expiresAt: number }>()
  issued = 0
  private ctx!: EmuContext

  register(router: Router, ctx: EmuContext): void {
    this.ctx = ctx
    router.add('POST', '/stackspot/idm/:realm/oidc/oauth/token', (req) => this.token(req))
  }

  private token(req: EmuRequest) {
    const type = String(req.headers['content-type'] ?? '')
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      throw new EmuError(400, { error: 'invalid_request', error_description: 'Content-Type must be application/x-www-form-urlencoded' })
    }
    const form = new URLSearchParams(req.text())
    if (form.get('grant_type') !== 'client_credentials') {
      throw new EmuError(400, { error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' })
    }
    const client = this.clients.find(
      (c) => c.realm === req.params.realm && c.clientId === form.get('client_id') && c.clientSecret === form.get('client_secret')
    )
    if (!client) throw new EmuError(401, { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' })
    const accessToken = `eyJ.${randomBytes(24).toString('hex')}`
    const ttl = this.ctx.tokenTtlSeconds
    this.tokens.set(accessToken, { clientId: client.clientId, expiresAt: Date.now() + ttl * 1000 })
    this.issued++
    return { status: 200, json: { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, refresh_expires_in: 0, scope: 'openid' } }
  }

  /** Throws 401 unless the request carries a live token. Honours the `expire-tokens` vendor fault. */
  authenticate(req: EmuRequest): string {
    if (this.ctx.faults.take('stackspot-expire-tokens')) this.expireAll()
    const header = String(req.headers.authorization ?? '')
    const m = /^Bearer (.+)$/.exec(header)
    const entry = m ? this.tokens.get(m[1]!) : undefined
    if (!entry) throw new EmuError(401, { message: 'Unauthorized', code: 'invalid_token' })
    if (entry.expiresAt <= Date.now()) throw new EmuError(401, { message: 'Token expired', code: 'token_expired' })
    return entry.clientId
  }

  /** Makes every issued token expired now (the `token expiry mid-run` fault). */
  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0
  }

  state() {
    return { clients: this.clients.map((c) => ({ clientId: c.clientId, realm: c.realm })), tokensIssued: this.issued }
  }

  reset(): void {
    this.clients = [DEMO_CLIENT]
    this.tokens.clear()
    this.issued = 0
  }

  seed(body: unknown) {
    const b = body as { clients?: IdmClient[] }
    for (const c of b.clients ?? []) this.clients.push(c)
    return this.state()
  }
}
