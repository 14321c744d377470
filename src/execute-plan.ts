import { forEachLimit } from './concurrency.js'
import type { LocalDoc } from './docs/types.js'
import { errorMessage } from './errors.js'
import type { Log } from './log.js'
import type { ItemResult, PlanItem } from './plan.js'
import type { Settings } from './settings.js'
import type { RemoteDoc, UploadResult, VendorAdapter } from './vendors/types.js'

export interface ExecuteOptions {
  dryRun: boolean
  concurrency: number
  maxDeletions: number
  uploadStrategy: Settings['uploadStrategy']
  /** True when the plan covers every doc in scope (full reconcile). */
  fullScope: boolean
  /** Every doc in scope on disk (for snapshot uploads); only meaningful when fullScope. */
  allDocs: readonly LocalDoc[]
  /** Everything the action owns in the store, as listed before the run. */
  remote: readonly RemoteDoc[]
  log: Log
}

export interface ExecuteResult {
  items: ItemResult[]
  /** Run-level failures (max-deletions exceeded…). */
  errors: string[]
  warnings: string[]
}

/**
 * Carries out a plan. Order matters for safety: every upload first, and deletions only when all
 * uploads succeeded and their number is within `max-deletions`, so a failed run never leaves the
 * store with less than it had.
 */
export async function executePlan(plan: readonly PlanItem[], adapter: VendorAdapter, opts: ExecuteOptions): Promise<ExecuteResult> {
  const results = new Map<string, ItemResult>()
  const errors: string[] = []
  const warnings: string[] = []
  const done = (item: PlanItem, outcome: ItemResult['outcome'], detail?: string) =>
    results.set(item.path, { path: item.path, key: item.key, action: item.action, outcome, reason: item.reason, previousPath: item.previousPath, detail })

  const noteProblems = (item: PlanItem, r: UploadResult) => {
    for (const w of r.warnings ?? []) warnings.push(`${item.path}: ${w}`)
    for (const l of r.leftovers ?? [])
      errors.push(
        `${item.path}: ${l}; the store holds an older copy beside the new one until a later run removes it (this run fails so that the next one covers the doc again)`
      )
  }

  const uploads = plan.filter((i) => i.action === 'upload' || i.action === 'replace')
  const deletions = plan.filter((i) => i.action === 'delete')
  for (const item of plan) {
    if (item.action === 'unchanged') done(item, 'unchanged')
    else if (item.action === 'skip') done(item, 'skipped')
    else if (item.action === 'keep') done(item, 'kept')
  }

  const overLimit = deletions.length > opts.maxDeletions
  const limitMessage = `${deletions.length} remote docs would be deleted, more than max-deletions (${opts.maxDeletions}); nothing was deleted. If this is intended, raise \`max-deletions\` for one run; otherwise check the \`paths\` globs.`

  if (opts.dryRun) {
    for (const item of [...uploads, ...deletions]) done(item, 'planned')
    if (overLimit) warnings.push(`Dry run: ${limitMessage.replace('nothing was deleted', 'a real run would fail and delete nothing')}`)
    return { items: order(plan, results), errors, warnings }
  }

  // Uploads: a batch first where the vendor has one, then one by one for the rest.
  let pending = uploads
  let deletedByBatch = new Set<string>()
  if (adapter.uploadBatch && uploads.length > 0) {
    const remoteByKey = new Map(opts.remote.map((r) => [r.key, r]))
    const scope = new Set(opts.allDocs.map((d) => d.key))
    const deletionKeys = new Set(deletions.map((d) => d.key))
    // The vendor may delete by itself only if everything it could delete is already planned for deletion by us.
    const completeSnapshot =
      opts.fullScope &&
      !overLimit &&
      opts.remote.every((r) => scope.has(r.key) || deletionKeys.has(r.key)) &&
      plan.every((i) => i.action !== 'skip' || !i.remote)
    try {
      const batch = await adapter.uploadBatch(
        uploads.map((i) => i.local!),
        { completeSnapshot, allDocs: opts.allDocs, remote: remoteByKey }
      )
      for (const item of uploads) {
        const r = batch.done.get(item.key)
        if (r) {
          done(item, item.action === 'replace' ? 'replaced' : 'uploaded', r.detail)
          noteProblems(item, r)
        }
      }
      const fallback = new Set(batch.fallback.map((d) => d.key))
      pending = uploads.filter((i) => fallback.has(i.key) && !results.has(i.path))
      deletedByBatch = new Set(batch.deletedKeys ?? [])
      if (pending.length > 0) opts.log.info(`${pending.length} docs did not fit a batch; uploading them one by one.`)
    } catch (error) {
      // A failed batch changes nothing we rely on: each doc is retried on its own below.
      opts.log.warning(`Batch upload failed (${errorMessage(error)}); uploading docs one by one instead.`)
      pending = uploads
    }
  }
  await forEachLimit(pending, opts.concurrency, async (item) => {
    try {
      const r = await adapter.upload(item.local!, item.remote)
      done(item, r.unchanged ? 'unchanged' : item.action === 'replace' ? 'replaced' : 'uploaded', r.detail)
      noteProblems(item, r)
      opts.log.info(`${r.unchanged ? 'Unchanged' : item.action === 'replace' ? 'Replaced' : 'Uploaded'} ${item.path}${r.detail ? ` (${r.detail})` : ''}`)
    } catch (error) {
      done(item, 'failed', errorMessage(error))
      opts.log.info(`Upload failed for ${item.path}: ${errorMessage(error)}`)
    }
  })

  const uploadFailures = uploads.filter((i) => results.get(i.path)?.outcome === 'failed').length
  for (const item of deletions) {
    if (deletedByBatch.has(item.key)) done(item, 'deleted', 'removed by the batch upload')
  }
  const toDelete = deletions.filter((i) => !results.has(i.path))
  if (toDelete.length > 0 && uploadFailures > 0) {
    for (const item of toDelete) done(item, 'skipped', `not deleted: ${uploadFailures} upload(s) failed in this run, so nothing is deleted`)
  } else if (toDelete.length > 0 && overLimit) {
    errors.push(limitMessage)
    for (const item of toDelete) done(item, 'failed', `not deleted: max-deletions (${opts.maxDeletions}) exceeded`)
  } else {
    await forEachLimit(toDelete, opts.concurrency, async (item) => {
      try {
        const r = await adapter.remove(item.remote!)
        done(item, r.action, r.detail)
        opts.log.info(`${r.action === 'deleted' ? 'Deleted' : 'Marked as removed'} ${item.path}${r.detail ? ` (${r.detail})` : ''}`)
      } catch (error) {
        done(item, 'failed', errorMessage(error))
        opts.log.info(`Delete failed for ${item.path}: ${errorMessage(error)}`)
      }
    })
  }
  return { items: order(plan, results), errors, warnings }
}

function order(plan: readonly PlanItem[], results: Map<string, ItemResult>): ItemResult[] {
  return plan.map((i) => results.get(i.path)!).filter(Boolean)
}
