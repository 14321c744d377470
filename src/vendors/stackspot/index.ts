/**
 * StackSpot AI Knowledge Sources. A doc becomes one knowledge object whose `file_path` is the doc's
 * key; the KS's object listing (file path + checksum) is the only state. The action owns the
 * non-standalone objects that have a file path; standalone objects (added by hand) are never
 * listed, changed or deleted. Choices made where the vendor docs are silent: docs/stackspot.md.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { readFile } from 'node:fs/promises'
import { forEachLimit } from '../../concurrency.js'
import { readDoc } from '../../docs/read.js'
import type { LocalDoc } from '../../docs/types.js'
import { ActionError, VendorHttpError, errorMessage } from '../../errors.js'
import { HttpClient, type HttpRequest } from '../../http.js'
import type { Log } from '../../log.js'
import type { Settings } from '../../schema.js'
import type { BatchContext, BatchResult, RemoteDoc, RemoveResult, StoreInfo, UploadResult, VendorAdapter, VendorFactory } from '../types.js'
import { requireCredential, stackSpotTokensFor, type StackSpotTokens } from './auth.js'
import { KnowledgeSource, UploadForm, UploadStatus, knowledgeObjects, statusKind, type KnowledgeObject } from './schema.js'
import { describeS3Error, presignedPostBody } from './s3.js'
import { STACKSPOT_LIMIT_BYTES, ZIP_BUDGET, groupForZips, unsafeEntryName, writeZip, zipCost } from './zip.js'

export const id = 'stackspot' as const

export const create: VendorFactory = (settings, deps) => new StackSpotAdapter(settings, deps.log)

/** A new KS refuses uploads for a while ("async permissions", NOTES §1(d)); keep asking this long. */
const NEW_KS_GRACE_MS = 30_000
/** Pre-signed form lifetime; the docs' example sends 600 (its unit is disputed, NOTES §1(c)). */
const FORM_EXPIRATION = 600
/**
 * A zip entry that has not appeared this long after the others stopped appearing is taken as
 * refused by the batch (the batch answer is undocumented) and goes the per-file way instead.
 */
const BATCH_STALL_MIN_MS = 5_000
/** How long a zip may show no doc at all before its docs go the per-file way (which reports errors per doc). */
const BATCH_SILENT_MAX_MS = 60_000

const CREDENTIAL_HINT =
  'Check the `client-id`, `client-secret` and `realm` inputs: they must belong to a StackSpot service credential (or PAT client) with the ai_dev and ai_admin permissions.'
const PERMISSION_HINT =
  'The credential was accepted but may not do this: it needs the ai_dev and ai_admin permissions, and uploading to a Knowledge Source through the API needs a StackSpot Enterprise account (or a personal access token where your plan allows one).'

export interface StackSpotOptions {
  /** First status poll delay; grows ×1.5 up to `maxPollMs`. */
  pollMs?: number
  maxPollMs?: number
}

/** `accepted`: taken for later processing (202), so listing the KS at once would only show the old state. */
type ZipOutcome = 'sent' | 'accepted' | 'refused' | 'unsupported'

/** Everything the KS holds under one file path that the action may manage. */
interface PathObjects {
  key: string
  objects: KnowledgeObject[]
}

export class StackSpotAdapter implements VendorAdapter {
  readonly id = id
  readonly displayName = 'StackSpot AI'
  readonly maxFileBytes = STACKSPOT_LIMIT_BYTES
  readonly api: HttpClient
  private readonly s3: HttpClient
  private readonly tokens: StackSpotTokens
  private readonly settings: Settings
  private readonly log: Log
  private readonly slug: string
  private readonly pollMs: number
  private readonly maxPollMs: number
  /** When this run created the KS: until NEW_KS_GRACE_MS later, 403/404 on uploads means "not ready yet". */
  private createdAt: number | undefined
  /**
   * True when the KS holds uploaded (non-standalone) objects without a file path: we cannot tell
   * whose they are, so the vendor's auto-delete, which might remove them, is never used.
   */
  private hasUnattributedObjects = false
  private listing: { startedAt: number; promise: Promise<KnowledgeObject[]> } | undefined

  constructor(settings: Settings, log: Log, options: StackSpotOptions = {}) {
    this.settings = settings
    this.log = log
    this.slug = settings.knowledgeBase
    this.pollMs = options.pollMs ?? 100
    this.maxPollMs = options.maxPollMs ?? 2_000
    const authUrl = settings.authUrl.replace('{realm}', encodeURIComponent(settings.realm))
    this.tokens = stackSpotTokensFor(requireCredential(settings.clientId, settings.clientSecret, authUrl), log)
    this.api = new HttpClient({
      vendor: 'StackSpot',
      baseUrl: settings.apiUrl,
      tokens: this.tokens,
      log,
      hintFor: (status) => (status === 401 ? CREDENTIAL_HINT : status === 403 ? PERMISSION_HINT : undefined)
    })
    // The pre-signed POST carries its own signature; no StackSpot token ever goes to S3.
    this.s3 = new HttpClient({ vendor: 'StackSpot S3', baseUrl: settings.apiUrl, log, describeError: describeS3Error })
  }

  async authenticate(): Promise<void> {
    await this.tokens.token()
  }

  private ksPath(suffix = ''): string {
    return `/v1/knowledge-sources/${encodeURIComponent(this.slug)}${suffix}`
  }

  async ensureStore(opts: { create: boolean; dryRun: boolean }): Promise<StoreInfo> {
    const found = await this.api.request({ method: 'GET', url: this.ksPath(), operation: `look up Knowledge Source "${this.slug}"`, accept: [404] })
    if (found.status !== 404) {
      // The KS body is undocumented; only its display name is read, and only for the summary.
      const ks = KnowledgeSource.safeParse(parseJson(found.text()))
      return { id: this.slug, name: (ks.success && ks.data.name) || this.slug, created: false, exists: true }
    }
    if (!opts.create) {
      throw new ActionError(
        `StackSpot Knowledge Source "${this.slug}" does not exist.`,
        'Check `knowledge-base` (the KS slug, not its display name), create the KS in the StackSpot AI portal, or set `create-if-missing: true`.'
      )
    }
    const name = this.settings.knowledgeBaseName || this.slug
    if (opts.dryRun) return { id: this.slug, name, created: false, exists: false }
    return this.createKs(name)
  }

  private async createKs(name: string): Promise<StoreInfo> {
    const description = this.settings.knowledgeBaseDescription || `Docs synced from GitHub by the Knowledge Sync action.`
    const operation = `create Knowledge Source "${this.slug}"`
    // The current docs use lowercase types, an older copy uppercase (NOTES §1(b)); try the other on a 400/422.
    for (const type of [this.settings.stackspotKsType, this.settings.stackspotKsType.toUpperCase()]) {
      const req: HttpRequest = { method: 'POST', url: '/v1/knowledge-sources', operation, json: { slug: this.slug, name, description, type }, accept: [409, 400, 422] }
      const res = await this.api.request(req)
      if (res.status === 409) {
        this.log.info(`Knowledge Source "${this.slug}" already exists (created meanwhile); using it.`)
        return { id: this.slug, name, created: false, exists: true }
      }
      if (res.status === 400 || res.status === 422) {
        if (type === type.toUpperCase()) throw this.api.failure(req, res)
        continue
      }
      this.createdAt = Date.now()
      this.log.info(`Created Knowledge Source "${this.slug}" (${name}, type ${type}).`)
      return { id: this.slug, name, created: true, exists: true }
    }
    throw new ActionError(`StackSpot refused to create Knowledge Source "${this.slug}".`)
  }

  /** Every object in the KS. Concurrent callers that need a listing started after `after` share one request. */
  private listObjects(after = 0): Promise<KnowledgeObject[]> {
    if (this.listing && this.listing.startedAt >= after) return this.listing.promise
    const startedAt = Date.now()
    const req: HttpRequest = { method: 'GET', url: this.ksPath('/objects'), operation: `list the objects of Knowledge Source "${this.slug}"` }
    // A KS may hold tens of thousands of objects: a plain check of the fields we use is several times
    // faster than a schema parse, and we list after every batch.
    const promise = this.api.request(req).then((res) => {
      const objects = knowledgeObjects(parseJson(res.text()))
      if (!objects) throw this.api.failure(req, res, 'unexpected response shape (expected an array of objects with id and file_path); the vendor API may have changed')
      return objects
    })
    this.listing = { startedAt, promise }
    promise.catch(() => {
      if (this.listing?.promise === promise) this.listing = undefined
    })
    return promise
  }

  async listOwned(): Promise<RemoteDoc[]> {
    const objects = await this.listObjects(Date.now())
    this.hasUnattributedObjects = objects.some((o) => o.standalone !== true && !o.file_path)
    return [...ownedByPath(objects).values()].map((p) => ({
      key: p.key,
      ids: p.objects.map((o) => o.id),
      // Several objects under one path (an interrupted replace) never count as unchanged.
      digest: p.objects.length === 1 ? (p.objects[0]!.checksum ?? undefined) : undefined,
      meta: { checksums: p.objects.map((o) => o.checksum ?? null) }
    }))
  }

  isUnchanged(local: LocalDoc, remote: RemoteDoc): boolean {
    return remote.ids.length === 1 && matchesDigest(remote.digest, local)
  }

  async upload(doc: LocalDoc, previous: RemoteDoc | undefined): Promise<UploadResult> {
    const bytes = await readDoc(doc)
    const form = await this.whenKsReady(() =>
      this.api.json(
        {
          method: 'POST',
          url: '/v2/file-upload/form',
          operation: `create an upload form for ${doc.key}`,
          json: { file_name: doc.key, target_id: this.slug, target_type: 'KNOWLEDGE_SOURCE', expiration: FORM_EXPIRATION }
        },
        UploadForm
      )
    )
    const { body, contentType } = presignedPostBody(form.form, doc.key, bytes)
    await this.s3.request({
      method: 'POST',
      url: form.url,
      operation: `upload ${doc.key} to storage`,
      headers: { 'content-type': contentType },
      body,
      auth: false,
      // The same key and form again is the same object: safe to repeat.
      idempotent: true
    })
    await this.startProcessing(form.id, doc.key)
    await this.waitIndexed(form.id, doc.key)
    // INDEXED is StackSpot's word that the doc is in. Only a replacement has old objects to find and
    // delete; a new doc needs no listing (one listing of a large KS costs more than the whole upload).
    if (!previous || previous.ids.length === 0) return { detail: `upload ${form.id}, indexed` }
    const kept = await this.keepOnlyNewest(doc, previous.ids)
    return { detail: `object ${kept}` }
  }

  /** The knowledge-objects step. Older deployments index without it (404/405): then just poll. */
  private async startProcessing(uploadId: string, key: string): Promise<void> {
    const res = await this.api.request({
      method: 'POST',
      url: `/v1/file-upload/${encodeURIComponent(uploadId)}/knowledge-objects`,
      operation: `start processing ${key}`,
      json: { split_strategy: 'NONE' },
      idempotent: true,
      accept: [404, 405]
    })
    if (res.status === 404 || res.status === 405) this.log.debug(`StackSpot: no knowledge-objects step for ${key} (HTTP ${res.status}); polling the upload status`)
  }

  private async waitIndexed(uploadId: string, key: string): Promise<void> {
    const deadline = Date.now() + this.settings.processingTimeoutSeconds * 1000
    let wait = this.pollMs
    let last = 'NEW'
    for (;;) {
      const status = await this.api.json(
        { method: 'GET', url: `/v1/file-upload/${encodeURIComponent(uploadId)}`, operation: `check the processing of ${key}` },
        UploadStatus
      )
      last = status.status
      const kind = statusKind(status.status)
      if (kind === 'done') return
      if (kind === 'failed') {
        throw new VendorHttpError({
          vendor: 'StackSpot',
          operation: `process ${key}`,
          detail: `the upload ended in ${status.status}${status.error_description ? `: ${status.error_description}` : ''}; the previous version, if any, was kept`
        })
      }
      if (Date.now() + wait > deadline) break
      await sleep(wait)
      wait = Math.min(this.maxPollMs, Math.round(wait * 1.5))
    }
    throw new VendorHttpError({
      vendor: 'StackSpot',
      operation: `process ${key}`,
      detail: `still ${last} after ${this.settings.processingTimeoutSeconds} s (processing-timeout); the previous version, if any, was kept`
    })
  }

  /**
   * After a new version is indexed: find it, then delete the versions it replaces. An old object is
   * deleted only when a new one is there, so a server that replaced in place loses nothing.
   * Returns the id kept.
   */
  private async keepOnlyNewest(doc: LocalDoc, previousIds: readonly string[]): Promise<string> {
    const indexedAt = Date.now()
    for (let attempt = 0; ; attempt++) {
      // Parallel uploads that finished together share one listing; a retry needs a new one.
      const objects = (await this.listObjects(attempt === 0 ? indexedAt : Date.now())).filter((o) => isOwned(o) && o.file_path === doc.key)
      const keep = newestVersion(objects, doc, previousIds)
      if (keep) {
        await this.deleteIds(objects.filter((o) => o.id !== keep.id && (previousIds.includes(o.id) || matchesDigest(o.checksum, doc))).map((o) => o.id), doc.key)
        return keep.id
      }
      if (attempt >= 2 && objects.length > 0) {
        // Indexed, our old objects still listed, none new and none with a checksum we recognise: a
        // server that replaced in place and hashes differently. Deleting anything here could lose the doc.
        this.log.debug(`StackSpot: ${doc.key} was indexed without a new object id; taking it as replaced in place`)
        return objects[0]!.id
      }
      // Indexed but not listed yet: listings may lag the status briefly.
      if (attempt >= 4) {
        throw new VendorHttpError({
          vendor: 'StackSpot',
          operation: `find ${doc.key} in Knowledge Source "${this.slug}"`,
          detail: 'the upload was reported as indexed but no new object with that file path appeared; the previous version, if any, was kept'
        })
      }
      await sleep(250 * (attempt + 1))
    }
  }

  private async deleteIds(ids: readonly string[], key: string): Promise<void> {
    for (const objectId of ids) {
      await this.api.request({
        method: 'DELETE',
        url: this.ksPath(`/objects/${encodeURIComponent(objectId)}`),
        operation: `delete object ${objectId} (${key})`,
        // Already gone is what we wanted.
        accept: [404]
      })
    }
  }

  async remove(remote: RemoteDoc): Promise<RemoveResult> {
    await this.deleteIds(remote.ids, remote.key)
    return { action: 'deleted', detail: remote.ids.length === 1 ? `object ${remote.ids[0]}` : `${remote.ids.length} objects` }
  }

  async uploadBatch(docs: readonly LocalDoc[], ctx: BatchContext): Promise<BatchResult> {
    const none = { done: new Map<string, UploadResult>(), fallback: [...docs] }
    const strategy = this.settings.uploadStrategy
    if (strategy === 'per-file') return none
    // One doc: the documented per-file flow costs about the same as a zip and is the better-known path.
    if (strategy === 'auto' && docs.length < 2) return none
    const zippable = docs.filter((d) => unsafeEntryName(d.key) === undefined)
    const fallback: LocalDoc[] = docs.filter((d) => unsafeEntryName(d.key) !== undefined)

    // auto-delete lets StackSpot remove the objects of files missing from the zip, but it does so at
    // upload time, before we know every upload succeeded; a failed run must delete nothing. So it is
    // asked for only on a complete snapshot that leaves out no owned doc (a first sync, a full
    // reconcile without removals); removals always go through DELETE after every upload succeeded.
    const unchanged = ctx.allDocs.length - docs.length
    const inSnapshot = new Set(ctx.allDocs.map((d) => d.key))
    const snapshot =
      ctx.completeSnapshot &&
      [...ctx.remote.keys()].every((k) => inSnapshot.has(k)) &&
      !this.hasUnattributedObjects &&
      fallback.length === 0 &&
      ctx.allDocs.every((d) => unsafeEntryName(d.key) === undefined) &&
      ctx.allDocs.reduce((n, d) => n + zipCost(d), 0) <= ZIP_BUDGET &&
      // Re-sending unchanged docs costs bytes and server work; worth it only when they are few.
      unchanged <= docs.length

    const groups = snapshot ? [[...ctx.allDocs]] : groupForZips(zippable).groups
    if (!snapshot) fallback.push(...groupForZips(zippable).tooLarge)
    const sent: LocalDoc[] = []
    let processingLater = false
    for (const group of groups) {
      let outcome: ZipOutcome
      try {
        outcome = await this.postZip(group, snapshot)
      } catch (error) {
        // Nothing of this group is known to be in; it goes per-file, whose clean-up removes any copy the zip left.
        this.log.info(`StackSpot: zip upload failed (${errorMessage(error)}); uploading those docs one by one.`)
        outcome = 'refused'
      }
      if (outcome === 'unsupported' && sent.length === 0) {
        this.log.info('StackSpot: the zip batch endpoint is not available here; uploading one by one.')
        return { done: new Map(), fallback: [...docs] }
      }
      const inGroup = new Set(group.map((d) => d.key))
      if (outcome === 'accepted') processingLater = true
      if (outcome === 'sent' || outcome === 'accepted') sent.push(...docs.filter((d) => inGroup.has(d.key)))
      else fallback.push(...docs.filter((d) => inGroup.has(d.key)))
    }
    if (sent.length === 0) return { done: new Map(), fallback }

    const { present, objects } = await this.waitForBatch(sent, ctx, processingLater)
    const done = new Map<string, UploadResult>()
    const byPath = ownedByPath(objects)
    const cleanups: Array<{ doc: LocalDoc; keep: KnowledgeObject; stale: string[] }> = []
    for (const doc of sent) {
      const keep = present.get(doc.key)
      if (!keep) {
        fallback.push(doc)
        continue
      }
      const previousIds = ctx.remote.get(doc.key)?.ids ?? []
      const stale = (byPath.get(doc.key)?.objects ?? []).filter((o) => o.id !== keep.id && (previousIds.includes(o.id) || matchesDigest(o.checksum, doc)))
      cleanups.push({ doc, keep, stale: stale.map((o) => o.id) })
    }
    if (snapshot) {
      // Unchanged docs rode along in the snapshot; a server that indexes them again leaves two copies.
      const sentKeys = new Set(sent.map((d) => d.key))
      for (const doc of ctx.allDocs) {
        const objs = byPath.get(doc.key)?.objects ?? []
        if (sentKeys.has(doc.key) || objs.length < 2) continue
        const previousIds = ctx.remote.get(doc.key)?.ids ?? []
        const keep = objs.find((o) => previousIds.includes(o.id)) ?? newestVersion(objs, doc, previousIds)
        if (!keep) continue
        const copies = objs.filter((o) => o.id !== keep.id && !previousIds.includes(o.id) && matchesDigest(o.checksum, doc))
        if (copies.length > 0) cleanups.push({ doc, keep, stale: copies.map((o) => o.id) })
      }
    }
    await forEachLimit(cleanups, this.settings.concurrency, async ({ doc, keep, stale }) => {
      const inDocs = present.has(doc.key)
      try {
        await this.deleteIds(stale, doc.key)
        if (inDocs) done.set(doc.key, { detail: `object ${keep.id} (zip)` })
      } catch (error) {
        if (inDocs) done.set(doc.key, { detail: `object ${keep.id} (zip)`, warnings: [`the previous version could not be deleted: ${errorMessage(error)}`] })
        else this.log.warning(`StackSpot: could not delete a duplicate of ${doc.key}: ${errorMessage(error)}`)
      }
    })
    if (fallback.length > 0) this.log.info(`StackSpot: ${fallback.length} docs were not taken by the zip batch; they go one by one.`)

    let deletedKeys: Set<string> | undefined
    if (snapshot) {
      // Report only what the vendor really removed; the executor deletes anything left.
      const scope = new Set(ctx.allDocs.map((d) => d.key))
      const stillThere = new Set(objects.filter(isOwned).map((o) => o.file_path!))
      deletedKeys = new Set([...ctx.remote.keys()].filter((k) => !scope.has(k) && !stillThere.has(k)))
    }
    return { done, fallback, deletedKeys }
  }

  /** Posts one zip. `sent` when StackSpot took it, `refused` when this group must go per-file. */
  private async postZip(group: readonly LocalDoc[], autoDelete: boolean): Promise<ZipOutcome> {
    const zip = await writeZip(group)
    try {
      if (zip.bytes > STACKSPOT_LIMIT_BYTES) {
        this.log.info(`StackSpot: a zip of ${group.length} docs came to ${zip.bytes} bytes, over 10 MiB; uploading them one by one.`)
        return 'refused'
      }
      const bytes = await readFile(zip.path)
      const { body, contentType } = zipMultipart(bytes)
      const operation = `upload a zip of ${group.length} docs to Knowledge Source "${this.slug}"`
      const req: HttpRequest = {
        method: 'POST',
        url: this.ksPath('/objects/batch'),
        query: { 'auto-delete': String(autoDelete) },
        operation,
        headers: { 'content-type': contentType },
        body,
        accept: [404, 405, 400, 413, 422]
      }
      const res = await this.whenKsReady(async () => {
        const r = await this.api.request(req)
        if (r.status === 404 && this.justCreated()) throw this.api.failure(req, r)
        return r
      })
      if (res.status === 405 || res.status === 404) {
        // 404 names a missing route here: the KS itself was found moments ago.
        return 'unsupported'
      }
      if (res.status >= 400) {
        this.log.info(`StackSpot: ${this.api.failure(req, res).message}; uploading those docs one by one.`)
        return 'refused'
      }
      this.log.info(`Uploaded a zip of ${group.length} docs (${zip.bytes} bytes${autoDelete ? ', auto-delete' : ''}).`)
      return res.status === 202 ? 'accepted' : 'sent'
    } finally {
      await zip.dispose()
    }
  }

  /**
   * The batch answer is undocumented (sync or async), so success is read from the KS itself: each
   * doc counts as in when an object with its path holds its bytes, or a new object with its path
   * appeared. Waits until all are in, the deadline, or no new doc appeared for a while.
   */
  private async waitForBatch(
    sent: readonly LocalDoc[],
    ctx: BatchContext,
    processingLater: boolean
  ): Promise<{ present: Map<string, KnowledgeObject>; objects: KnowledgeObject[] }> {
    const started = Date.now()
    // A listing of a large KS is the costliest call of a small sync; skip the one that cannot show the batch yet.
    if (processingLater) await sleep(this.pollMs)
    const deadline = started + this.settings.processingTimeoutSeconds * 1000
    let wait = this.pollMs
    let lastProgress = started
    let firstProgressAfter: number | undefined
    let present = new Map<string, KnowledgeObject>()
    for (;;) {
      const objects = await this.listObjects(Date.now())
      const byPath = ownedByPath(objects)
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
      const stallMs = Math.max(BATCH_STALL_MIN_MS, 3 * (firstProgressAfter ?? 0))
      // A batch that shows nothing at all for this long was not taken; the per-file flow says why.
      const silent = firstProgressAfter === undefined && Date.now() - started > BATCH_SILENT_MAX_MS
      const stalled = silent || (firstProgressAfter !== undefined && Date.now() - lastProgress > stallMs)
      if (present.size === sent.length || stalled || Date.now() + wait > deadline) return { present, objects }
      await sleep(wait)
      wait = Math.min(this.maxPollMs, Math.round(wait * 1.5))
    }
  }

  private justCreated(): boolean {
    return this.createdAt !== undefined && Date.now() - this.createdAt < NEW_KS_GRACE_MS
  }

  /**
   * Runs `call` and, while the KS is freshly created, repeats it on 403/404: StackSpot grants
   * upload permission on a new KS asynchronously (NOTES §1(d)).
   */
  private async whenKsReady<T>(call: () => Promise<T>): Promise<T> {
    let wait = 250
    for (;;) {
      try {
        return await call()
      } catch (error) {
        if (!(isVendorStatus(error, 403) || isVendorStatus(error, 404)) || !this.justCreated()) throw error
      }
      this.log.debug(`StackSpot: Knowledge Source "${this.slug}" does not accept uploads yet; retrying in ${wait} ms`)
      await sleep(wait)
      wait = Math.min(2_000, wait * 2)
    }
  }
}

function isVendorStatus(error: unknown, status: number): boolean {
  return error instanceof VendorHttpError && error.status === status
}

function isOwned(o: KnowledgeObject): boolean {
  return o.standalone !== true && typeof o.file_path === 'string' && o.file_path !== ''
}

/** The action's objects grouped by file path, oldest first within a path. */
function ownedByPath(objects: readonly KnowledgeObject[]): Map<string, PathObjects> {
  const out = new Map<string, PathObjects>()
  for (const o of objects) {
    if (!isOwned(o)) continue
    let p = out.get(o.file_path!)
    if (!p) out.set(o.file_path!, (p = { key: o.file_path!, objects: [] }))
    p.objects.push(o)
  }
  return out
}

function matchesDigest(checksum: string | null | undefined, doc: LocalDoc): boolean {
  if (!checksum) return false
  const c = checksum.toLowerCase()
  return c === doc.digests.sha256 || c === doc.digests.sha1 || c === doc.digests.md5
}

/**
 * The object that holds this doc's new version: preferably one that is new (not among the ids
 * before the upload) and carries our bytes, then any new one (the checksum algorithm may not be
 * ours), then an old id that now carries our bytes (a server that replaced in place).
 */
function newestVersion(objects: readonly KnowledgeObject[], doc: LocalDoc, previousIds: readonly string[]): KnowledgeObject | undefined {
  const fresh = objects.filter((o) => !previousIds.includes(o.id))
  const byAge = (list: KnowledgeObject[]) => list.sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '')).at(-1)
  return byAge(fresh.filter((o) => matchesDigest(o.checksum, doc))) ?? byAge([...fresh]) ?? byAge(objects.filter((o) => matchesDigest(o.checksum, doc)))
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function zipMultipart(zip: Buffer): { body: Buffer; contentType: string } {
  const boundary = `----knowledge-sync-${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="objects_zip"; filename="objects.zip"\r\nContent-Type: application/zip\r\n\r\n`
  )
  return { body: Buffer.concat([head, zip, Buffer.from(`\r\n--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` }
}
