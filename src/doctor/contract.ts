/** What each vendor's doctor (src/vendors/<id>/doctor.ts) is given and implements. */
import type { Log } from '../log.js'
import type { Settings } from '../settings.js'
import type { TokenCache } from '../tokens.js'
import type { StoreInfo } from '../vendors/types.js'
import type { CanaryDoc } from './canary.js'
import type { DoctorSession } from './session.js'
import type { Assumption, Leftover } from './types.js'

export interface DoctorEnv {
  readonly settings: Settings
  readonly log: Log
  readonly tokenCache: TokenCache
  readonly canary: CanaryDoc
  /** How long the vendor may take to process the canary (`processing-timeout`). */
  readonly waitMs: number
  /** First delay between status polls; grows ×1.5 up to 3 s. */
  readonly pollMs: number
}

/**
 * One vendor's doctor. The run calls: list → probe? → canary (unless a dry run or `noCanary`) →
 * cleanUp (whenever canary ran, also when it failed half-way). Each records its steps, checks and
 * creations in the session; a failed step throws and stops the run.
 */
export interface VendorDoctor {
  readonly assumptions: readonly Assumption[]
  /** Reads the whole listing as the vendor pages it; fills `s.listing` and records the listing checks. */
  list(store: StoreInfo, s: DoctorSession): Promise<void>
  /** Read-only checks that need no canary. */
  probe?(store: StoreInfo, s: DoctorSession): Promise<void>
  /** Why this vendor gets no canary (Castrel cannot delete one), if it gets none. */
  readonly noCanary?: string
  /** Uploads the canary and watches how the vendor reports it; calls `s.created` for everything it writes. */
  canary(store: StoreInfo, s: DoctorSession): Promise<void>
  /** Removes everything canary() wrote, then lists the store: returns what is still there. */
  cleanUp(store: StoreInfo, s: DoctorSession): Promise<Leftover[]>
}

export type VendorDoctorFactory = (env: DoctorEnv) => VendorDoctor
