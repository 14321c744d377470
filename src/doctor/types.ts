/**
 * The doctor's report model. `mode: doctor` is a user's first run against a real account: it
 * checks, with one canary doc that it removes again, the assumptions the adapters make where the
 * vendor docs are silent. What a vendor's doctor implements is in contract.ts.
 */
import type { StoreInfo } from '../vendors/types.js'

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
