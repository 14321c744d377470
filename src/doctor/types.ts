/**
 * The doctor's report model and the contract each vendor's doctor (src/vendors/<id>/doctor.ts)
 * fulfils. `mode: doctor` is a user's first run against a real account: it checks, with one canary
 * doc that it removes again, the assumptions the adapters make where the vendor docs are silent.
 */
import type { Log } from '../log.js'
import type { Settings } from '../settings.js'
import type { TokenCache } from '../tokens.js'
import type { StoreInfo } from '../vendors/types.js'
import type { CanaryDoc } from './canary.js'
import type { DoctorSession } from './session.js'

/** One thing the action relies on, with where the belief comes from (NOTES.md's tags). */
export interface Assumption {
  /** Stable id for the JSON report: `status-words`. */
  readonly id: string
  /** The assumption in words: "Processing ends in INDEXED…". */
  readonly text: string
  /** Where it comes from: `[3p] IDX-3`, `[doc]`, `[gap]`. */
  readonly source: string
}

export type CheckResult = 'held' | 'did not hold' | 'could not check'

export interface CheckRow {
  readonly id: string
  readonly assumption: string
  readonly source: string
  readonly result: CheckResult
  /** What the vendor actually did, in words. */
  readonly observed: string
  /** What the action does about a deviation, where it copes. */
  readonly note?: string
}

export interface StepRow {
  readonly name: string
  readonly outcome: 'done' | 'failed'
  readonly ms: number
  readonly detail?: string
}

/** Something the doctor wrote to the store. */
export interface Created {
  readonly what: string
  readonly id: string
}

/** Something the doctor wrote and could not remove (or could not confirm removed): for a person to delete. */
export interface Leftover extends Created {
  /** How to delete it by hand. */
  readonly how: string
}

/** What the listing showed before the canary. */
export interface ListingFacts {
  /** Every item the listing holds, all pages. */
  total?: number
  /** Pages read (1 for a listing without pages). */
  pages?: number
  paged?: boolean
  /** False when a paged listing could not be read to its end (the reason is in `note`). */
  followedToEnd?: boolean
  /** Docs the action would treat as its own (the adapter's listOwned). */
  owned?: number
  /** Items the action would skip as odd: missing or mistyped fields it reads. */
  odd: Array<{ id?: string; why: string }>
  note?: string
}

export interface DoctorReport {
  readonly vendor: string
  readonly vendorName: string
  readonly store?: StoreInfo
  readonly dryRun: boolean
  readonly listing: ListingFacts
  readonly canary: {
    readonly key: string
    /** Why no canary was uploaded, when none was. */
    readonly skipped?: string
    readonly created: readonly Created[]
    readonly leftovers: readonly Leftover[]
    /** True when everything created was removed and a listing confirmed it. */
    readonly removed: boolean
  }
  readonly steps: readonly StepRow[]
  readonly checks: readonly CheckRow[]
  /** Facts no assumption hangs on, recorded for the maintainers (status words seen, raw answers). */
  readonly observations: Readonly<Record<string, unknown>>
  /** The step the run stopped at, when it did not get through. */
  readonly failedStep?: { readonly name: string; readonly error: string }
  /** Every step done, every checked assumption held, nothing left behind. */
  readonly ok: boolean
}

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
