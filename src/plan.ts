import type { LocalDoc } from './docs/types.js'
import type { RemoteDoc, StoreInfo } from './vendors/types.js'

/**
 * What the planner decided for one doc:
 * - upload: new in the store; replace: the store holds older bytes; unchanged: same bytes;
 * - delete: the file is gone and `on-removed: delete`; keep: gone, but `on-removed: report`;
 * - skip: never sent (too large, unsupported type, unsafe file).
 */
export type PlanAction = 'upload' | 'replace' | 'unchanged' | 'delete' | 'keep' | 'skip'

export interface PlanItem {
  readonly path: string
  /** Name in the remote store (`remote-prefix` + path). */
  readonly key: string
  readonly action: PlanAction
  /** Why, in words the summary shows: `new file`, `content changed`, `renamed to docs/b.md`… */
  readonly reason: string
  readonly previousPath?: string
  readonly local?: LocalDoc
  readonly remote?: RemoteDoc
}

/** What happened to a planned item. `planned` is the outcome of every write in a dry run. */
export type Outcome = 'uploaded' | 'replaced' | 'unchanged' | 'deleted' | 'tombstoned' | 'kept' | 'skipped' | 'failed' | 'planned'

export interface ItemResult {
  readonly path: string
  readonly key: string
  readonly action: PlanAction
  readonly outcome: Outcome
  readonly reason: string
  readonly previousPath?: string
  /** Vendor detail (`object 01H…`) or the error message for a failure. */
  readonly detail?: string
}

export interface SyncReport {
  readonly vendor: string
  readonly vendorName: string
  readonly store?: StoreInfo
  /** `diff` (only what the event changed) or `full` (every doc reconciled). */
  readonly scope: 'diff' | 'full'
  /** Why that scope: `push 1a2b3c..4d5e6f`, `workflow_dispatch`, `before is all zeros (new branch)`. */
  readonly scopeReason: string
  readonly dryRun: boolean
  readonly items: readonly ItemResult[]
  /** Run-level problems (auth failed, max-deletions exceeded…) that are not tied to one file. */
  readonly errors: readonly string[]
  readonly warnings: readonly string[]
}

export interface Counts {
  uploaded: number
  deleted: number
  unchanged: number
  failed: number
  skipped: number
  kept: number
  planned: number
}

export function countOutcomes(items: readonly ItemResult[]): Counts {
  const c: Counts = { uploaded: 0, deleted: 0, unchanged: 0, failed: 0, skipped: 0, kept: 0, planned: 0 }
  for (const i of items) {
    if (i.outcome === 'uploaded' || i.outcome === 'replaced') c.uploaded++
    else if (i.outcome === 'deleted' || i.outcome === 'tombstoned') c.deleted++
    else if (i.outcome === 'unchanged') c.unchanged++
    else if (i.outcome === 'failed') c.failed++
    else if (i.outcome === 'skipped') c.skipped++
    else if (i.outcome === 'kept') c.kept++
    else if (i.outcome === 'planned') c.planned++
  }
  return c
}
