/**
 * The StackSpot zip batch: many docs in one request to `/objects/batch`. Its answer is
 * undocumented, so what went in is read back from the KS listing; a doc that did not appear goes
 * back to the executor for the per-file flow, which reports errors per doc.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { forEachLimit } from '../../concurrency.js'
import type { LocalDoc } from '../../docs/types.js'
import { ActionError, errorMessage } from '../../errors.js'
import type { Log } from '../../log.js'
import { storedName } from '../../namespace.js'
import { mayHaveLanded } from '../lost-answer.js'
import type { BatchContext, BatchResult, UploadResult } from '../types.js'
import type { KnowledgeSourceApi } from './api.js'
import { newestVersion, ownedByPath, renamedFrom, staleVersions } from './objects.js'
import type { KnowledgeObject } from './schema.js'
import { STACKSPOT_LIMIT_BYTES, groupForZips, unsafeEntryName, writeZip } from './zip.js'

/**
 * A zip entry that has not appeared this long after the others stopped appearing is taken as
 * refused by the batch (the batch answer is undocumented) and goes the per-file way instead.
 */
const BATCH_STALL_MIN_MS = 5_000
/** How long a zip may show no doc at all before its docs go the per-file way (which reports errors per doc). */
const BATCH_SILENT_MAX_MS = 60_000

export interface ZipBatchEnv {
  api: KnowledgeSourceApi
  log: Log
  /** Parallel clean-ups of replaced objects. */
  concurrency: number
  processingTimeoutSeconds: number
  /** First listing poll delay; doubles up to `maxPollMs`. */
  pollMs: number
  maxPollMs: number
  /** Zip entries are named `<namespace>/<key>`, which StackSpot keeps as the objects' file paths. */
  namespace: string
  /** The KS holds uploaded objects that are not this namespace's: auto-delete might remove them, so it is never asked for. */
  hasForeignObjects: boolean
  /** Overrides BATCH_STALL_MIN_MS and BATCH_SILENT_MAX_MS (tests). */
  stallMs?: number
  silentMs?: number
  /** Object ids listed before the zip: anything else is new. */
  knownIds: ReadonlySet<string>
  /** Told of every object found for a doc, to say once when its checksum is none the action computes. */
  noteChecksum(o: KnowledgeObject, doc: LocalDoc): void
}

/** `sent`/`accepted`: StackSpot took the zip; `refused`: this group goes per-file; `unsupported`: no batch endpoint here. */
type ZipOutcome = 'sent' | 'accepted' | 'refused' | 'unsupported'

export interface ZipBatchResult extends BatchResult {
  /** Docs in a zip StackSpot took or may have taken: their objects can still appear after the batch is over. */
  readonly zipped: ReadonlySet<string>
}

export async function uploadZipBatch(docs: readonly LocalDoc[], ctx: BatchContext, env: ZipBatchEnv): Promise<ZipBatchResult> {
  const { log } = env
  const entryName = (d: LocalDoc) => storedName(env.namespace, d.key)
  const zippable = docs.filter((d) => unsafeEntryName(entryName(d)) === undefined)
  const fallback: LocalDoc[] = docs.filter((d) => unsafeEntryName(entryName(d)) !== undefined)

  // auto-delete is never asked for: StackSpot applies it at upload time, before we know every
  // upload succeeded, and against whatever another run (a shard, a second repository) put in the KS
  // meanwhile, so two first syncs at once would delete each other's docs. Removals always go through
  // DELETE, after every upload of this run succeeded.
  const grouped = groupForZips(zippable.map((doc) => ({ doc, key: entryName(doc), size: doc.size })))
  const groups = grouped.groups.map((g) => g.map((x) => x.doc))
  fallback.push(...grouped.tooLarge.map((x) => x.doc))
  const sent: LocalDoc[] = []
  let processingLater = false
  for (const group of groups) {
    let outcome: ZipOutcome
    try {
      outcome = await postZip(env, group, false)
    } catch (error) {
      if (mayHaveLanded(error)) {
        // Sending the zip again could index every doc twice. Its objects are waited for as for an
        // accepted zip; the docs that do not appear go one by one, each checked again first.
        log.info(`StackSpot: the answer to a zip upload was lost (${errorMessage(error)}); waiting to see which of its docs appear in the KS.`)
        outcome = 'accepted'
      } else {
        // Refused outright: nothing of this group is in, and it goes per-file.
        log.info(`StackSpot: zip upload failed (${errorMessage(error)}); uploading those docs one by one.`)
        outcome = 'refused'
      }
    }
    if (outcome === 'unsupported' && sent.length === 0) {
      log.info('StackSpot: the zip batch endpoint is not available here; uploading one by one.')
      return { done: new Map(), fallback: [...docs], zipped: new Set() }
    }
    const inGroup = new Set(group.map((d) => d.key))
    if (outcome === 'accepted') processingLater = true
    if (outcome === 'sent' || outcome === 'accepted') sent.push(...docs.filter((d) => inGroup.has(d.key)))
    else fallback.push(...docs.filter((d) => inGroup.has(d.key)))
  }
  const zipped = new Set(sent.map((d) => d.key))
  if (sent.length === 0) return { done: new Map(), fallback, zipped }

  const { present, objects } = await waitForBatch(env, sent, ctx, processingLater)
  const done = new Map<string, UploadResult>()
  const byPath = ownedByPath(objects, env.namespace)
  const cleanups: Array<{ doc: LocalDoc; keep: KnowledgeObject; stale: string[] }> = []
  for (const doc of sent) {
    const keep = present.get(doc.key)
    if (!keep) {
      fallback.push(doc)
      continue
    }
    const stale = staleVersions(byPath.get(doc.key)?.objects ?? [], keep, doc, ctx.remote.get(doc.key)?.ids ?? [])
    env.noteChecksum(keep, doc)
    cleanups.push({ doc, keep, stale: stale.map((o) => o.id) })
  }
  // Every old copy's DELETE goes out first; then one listing (shared by all docs) confirms them.
  const confirmations = new Map<string, Promise<void>>()
  await forEachLimit(cleanups, env.concurrency, async ({ doc, stale }) => {
    const sent = env.api.sendDeletes(stale, doc.key)
    const confirmed = sent.then((answers) => env.api.confirmGone(answers, doc.key))
    // Read below, after every DELETE went out; until then a failure must not count as unhandled.
    confirmed.catch(() => undefined)
    confirmations.set(doc.key, confirmed)
    await sent.catch(() => undefined)
  })
  for (const { doc, keep } of cleanups) {
    const detail = `object ${keep.id} (zip)`
    try {
      await confirmations.get(doc.key)
      done.set(doc.key, { detail })
    } catch (error) {
      done.set(doc.key, { detail, leftovers: [`the previous version could not be deleted: ${errorMessage(error)}`] })
    }
  }
  if (fallback.length > 0) log.info(`StackSpot: ${fallback.length} docs were not taken by the zip batch; they go one by one.`)

  return { done, fallback, zipped }
}

/** Zips one group and posts it. */
async function postZip(env: ZipBatchEnv, group: readonly LocalDoc[], autoDelete: boolean): Promise<ZipOutcome> {
  const zip = await writeZip(group, (d) => storedName(env.namespace, d.key))
  if (zip.length > STACKSPOT_LIMIT_BYTES) {
    env.log.info(`StackSpot: a zip of ${group.length} docs came to ${zip.length} bytes, over 10 MiB; uploading them one by one.`)
    return 'refused'
  }
  const answer = await env.api.postZip(zip, group.length, autoDelete)
  if (typeof answer === 'object') {
    env.log.info(`StackSpot: ${answer.refused}; uploading those docs one by one.`)
    return 'refused'
  }
  if (answer !== 'unsupported') env.log.info(`Uploaded a zip of ${group.length} docs (${zip.length} bytes${autoDelete ? ', auto-delete' : ''}).`)
  return answer
}

/**
 * The batch answer is undocumented (sync or async), so success is read from the KS itself: each
 * doc counts as in when an object with its path holds its bytes, or a new object with its path
 * appeared. Waits until all are in, the deadline, or no new doc appeared for a while.
 */
async function waitForBatch(
  env: ZipBatchEnv,
  sent: readonly LocalDoc[],
  ctx: BatchContext,
  processingLater: boolean
): Promise<{ present: Map<string, KnowledgeObject>; objects: KnowledgeObject[] }> {
  const started = Date.now()
  // A listing of a large KS is the costliest call of a small sync; skip the one that cannot show the batch yet.
  if (processingLater) await sleep(env.pollMs)
  const deadline = started + env.processingTimeoutSeconds * 1000
  let wait = env.pollMs
  let lastProgress = started
  let firstProgressAfter: number | undefined
  let present = new Map<string, KnowledgeObject>()
  for (;;) {
    const objects = await env.api.listObjects(Date.now())
    const byPath = ownedByPath(objects, env.namespace)
    const next = new Map<string, KnowledgeObject>()
    for (const doc of sent) {
      const keep = newestVersion(byPath.get(doc.key)?.objects ?? [], doc, ctx.remote.get(doc.key)?.ids ?? [])
      if (keep) next.set(doc.key, keep)
    }
    if (next.size > present.size) {
      lastProgress = Date.now()
      firstProgressAfter ??= lastProgress - started
    }
    present = next
    await refuseRenamed(env, sent, objects)
    const stallMs = Math.max(env.stallMs ?? BATCH_STALL_MIN_MS, 3 * (firstProgressAfter ?? 0))
    // A batch that shows nothing at all for this long was not taken; the per-file flow says why.
    const silent = firstProgressAfter === undefined && Date.now() - started > (env.silentMs ?? BATCH_SILENT_MAX_MS)
    const stalled = silent || (firstProgressAfter !== undefined && Date.now() - lastProgress > stallMs)
    if (present.size === sent.length || stalled || Date.now() + wait > deadline) return { present, objects }
    await sleep(wait)
    wait = Math.min(env.maxPollMs, wait * 2)
  }
}

/**
 * New objects that are zip entries under a changed name (a server that sanitises file paths): the
 * action could never find them again and would upload them on every run. They are deleted again
 * and the run stops naming the assumption.
 */
async function refuseRenamed(env: ZipBatchEnv, sent: readonly LocalDoc[], objects: readonly KnowledgeObject[]): Promise<void> {
  const names = sent.map((d) => storedName(env.namespace, d.key))
  const renamed = objects.flatMap((o) => {
    if (env.knownIds.has(o.id) || o.standalone === true || !o.file_path) return []
    const from = renamedFrom(o.file_path, names)
    return from === undefined ? [] : [{ o, from }]
  })
  if (renamed.length === 0) return
  let cleanup: string
  try {
    await env.api.deleteIds(
      renamed.map((r) => r.o.id),
      'zip entries listed under another name'
    )
    cleanup = `The ${renamed.length} objects listed under changed names were deleted again.`
  } catch (error) {
    cleanup = `The objects listed under changed names (${renamed.map((r) => r.o.id).join(', ')}) could not all be deleted (${errorMessage(error)}); delete them in the StackSpot portal.`
  }
  const first = renamed[0]!
  throw new ActionError(
    `StackSpot does not keep file_path as sent: the zip entry "${first.from}" is listed as "${first.o.file_path}"${renamed.length > 1 ? ` (and ${renamed.length - 1} more)` : ''}. The action finds its docs by file_path, so it would upload them again on every run; it stops here instead. ${cleanup}`,
    'Only a leading "/" is taken as the same path. Report this with the output of `mode: doctor`.'
  )
}
