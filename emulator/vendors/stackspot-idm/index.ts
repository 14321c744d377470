/**
 * StackSpot IDM: the OIDC client-credentials token endpoint, shared by the Knowledge Sources and
 * Agents emulators (both accept the same bearer tokens, checked with `authenticate`).
 */
import { EmuError, type EmuContext, type EmuRequest, type Router, type SeedableVendor } from '../../framework.ts'
import { registerIdmRoutes } from './routes.ts'
import { IdmStore, type IdmSeed, type IdmState } from './state.ts'

export { DEMO_CLIENT, type IdmClient, type IdmSeed, type IdmState } from './state.ts'

export class StackSpotIdm implements SeedableVendor<'stackspot-idm', IdmState, IdmSeed, IdmState> {
  readonly name = 'stackspot-idm'
  private readonly store = new IdmStore()

  register(router: Router, ctx: EmuContext): void {
    this.store.ctx = ctx
    registerIdmRoutes(router, this.store)
  }

  /** Throws 401 unless the request carries a live token. Honours the `expire-tokens` vendor fault. */
  authenticate(req: EmuRequest): string {
    if (this.store.ctx.faults.take('stackspot-expire-tokens')) this.expireAll()
    const header = String(req.headers.authorization ?? '')
    const m = /^Bearer (.+)$/.exec(header)
    const entry = m ? this.store.tokens.get(m[1]!) : undefined
    if (!entry) throw new EmuError(401, { message: 'Unauthorized', code: 'invalid_token' })
    if (entry.expiresAt <= Date.now()) throw new EmuError(401, { message: 'Token expired', code: 'token_expired' })
    return entry.clientId
  }

  /** Makes every issued token expired now (the `token expiry mid-run` fault). */
  expireAll(): void {
    for (const t of this.store.tokens.values()) t.expiresAt = 0
  }

  state(): IdmState {
    return this.store.view()
  }

  reset(): void {
    this.store.reset()
  }

  seed(body: IdmSeed): IdmState {
    return this.store.seed(body)
  }
}
