/** The StackSpot IDM's clients and the tokens it issued, with its state and seed formats. */
import { DEMO_ACCOUNTS } from '../../demo-accounts.ts'
import type { EmuContext } from '../../framework.ts'

export interface IdmClient {
  clientId: string
  clientSecret: string
  realm: string
}

/** The credential every emulated account accepts unless a test seeds others. */
export const DEMO_CLIENT: IdmClient = { ...DEMO_ACCOUNTS.stackspot }

/** `POST /_emulator/seed/stackspot-idm`: more clients that may ask for tokens. */
export interface IdmSeed {
  clients?: IdmClient[]
}

/** `GET /_emulator/state/stackspot-idm`. Secrets stay out of it. */
export interface IdmState {
  clients: Array<{ clientId: string; realm: string }>
  tokensIssued: number
}

export class IdmStore {
  /** Set when the server registers the vendor. */
  ctx!: EmuContext
  clients: IdmClient[] = [DEMO_CLIENT]
  readonly tokens = new Map<string, { clientId: string; expiresAt: number }>()
  issued = 0

  reset(): void {
    this.clients = [DEMO_CLIENT]
    this.tokens.clear()
    this.issued = 0
  }

  view(): IdmState {
    return { clients: this.clients.map((c) => ({ clientId: c.clientId, realm: c.realm })), tokensIssued: this.issued }
  }

  seed(b: IdmSeed): IdmState {
    for (const c of b.clients ?? []) this.clients.push(c)
    return this.view()
  }
}
