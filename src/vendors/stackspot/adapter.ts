/**
 * StackSpot AI Knowledge Sources. A doc becomes one knowledge object whose `file_path` is
 * `<namespace>/<key>`; the KS's object listing (file path + checksum) is the only state. The action
 * owns the non-standalone objects whose file path is under its namespace; standalone objects (added
 * by hand) and other namespaces' objects are never listed, changed or deleted. Choices made where
 * the vendor docs are silent: docs/stackspot.md.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { readDoc } from '../../docs/read.js'
import type { LocalDoc } from '../../docs/types.js'
import { ActionError, VendorHttpError } from '../../errors.js'
import type { Log } from '../../log.js'
import { otherNamespaces, storedName } from '../../namespace.js'
import type { BatchContext, BatchResult, RemoteDoc, RemoveResult, StoreInfo, UploadResult, VendorAdapter, VendorDeps } from '../types.js'
import { KnowledgeSourceApi } from './api.js'
import { requireCredential, stackSpotTokens, type StackSpotTokens } from './auth.js'
import { uploadZipBatch } from './batch.js'
import { isUnchanged, matchesDigest, newestOf, newestVersion, ownedKey, remoteDocs, staleVersions } from './objects.js'
import type { KnowledgeObject } from './schema.js'
import { statusKind } from './schema.js'
import type { StackSpotSettings } from './settings.js'
import { STACKSPOT_LIMIT_BYTES } from './zip.js'

export interface StackSpotOptions {
  /** First status poll delay; doubles up to `maxPollMs`. */
  pollMs?: number
  maxPollMs?: number
  /** How long a zip may show no new doc before the rest go per-file (tests shorten it). */
  batchStallMs?: number
  /** How long a zip may show no doc at all before all its docs go per-file. */
  batchSilentMs?: number
}

export class StackSpotAdapter implements VendorAdapter {
  readonly id = 'stackspot'
  readonly displayName = 'StackSpot AI'
  readonly maxFileBytes = STACKSPOT_LIMIT_BYTES
  private readonly api: KnowledgeSourceApi
  private readonly tokens: StackSpotTokens
  private readonly settings: StackSpotSettings
  private readonly log: Log
  private readonly slug: string
  private readonly pollMs: number
  private readonly maxPollMs: number
  private readonly namespace: string
  /**
   * True when the KS holds uploaded (non-standalone) objects that are not this namespace's (another
   * repository's, or without a file path): the vendor's auto-delete, which might remove them, is
   * never used.
   */
  private hasForeignObjects = false
  /** The KS's objects as listOwned saw them, for otherNamespaces. */
  private listed: readonly KnowledgeObject[] = []
  /** Docs sent in a zip this run: their zip object may still appear after the batch gave up on them. */
  private readonly zipped = new Set<string>()
  private readonly options: StackSpotOptions

  constructor(settings: StackSpotSettings, deps: Pick<VendorDeps, 'log' | 'tokenCache' | 'namespace'>, options: StackSpotOptions = {}) {
    this.settings = settings
    this.log = deps.log
    this.namespace = deps.namespace
    this.slug = settings.knowledgeBase
    // A short first wait catches quick indexing; doubling makes as few polls as ×1.5 from 100 ms
    // did once indexing takes seconds (8 polls in the first 5 s either way); in the zip flow each is a KS listing.
    this.pollMs = options.pollMs ?? 20
    this.maxPollMs = options.maxPollMs ?? 2_000
    this.options = options
    this.tokens = stackSpotTokens(deps.tokenCache, requireCredential(settings.clientId, settings.clientSecret, settings.authUrl), deps.log)
    this.api = new KnowledgeSourceApi({ apiUrl: settings.apiUrl, slug: this.slug, tokens: this.tokens, log: deps.log })
  }

  async authenticate(): Promise<void> {
    await this.tokens.token()
  }

  async ensureStore(opts: { create: boolean; dryRun: boolean }): Promise<StoreInfo> {
    const found = await this.api.find()
    if (found) return { id: this.slug, name: found.name, created: false, exists: true }
    if (!opts.create) {
      throw new ActionError(
        `StackSpot Knowledge Source "${this.slug}" does not exist.`,
        'Check `knowledge-base` (the KS slug, not its display name), create the KS in the StackSpot AI portal, or set `create-if-missing: true`.'
      )
    }
    const name = this.settings.knowledgeBaseName || this.slug
    if (opts.dryRun) return { id: this.slug, name, created: false, exists: false }
    const description = this.settings.knowledgeBaseDescription || `Docs synced from GitHub by the Knowledge Sync action.`
    const created = await this.api.create(name, description, this.settings.ksType)
    return { id: this.slug, name, created, exists: true }
  }

  async listOwned(): Promise<RemoteDoc[]> {
    const objects = await this.api.listObjects(Date.now())
    this.listed = objects
    this.hasForeignObjects = objects.some((o) => o.standalone !== true && ownedKey(o, this.namespace) === undefined)
    return remoteDocs(objects, this.namespace)
  }

  async otherNamespaces(keys: readonly string[]): Promise<string[]> {
    const uploaded = this.listed.filter((o) => o.standalone !== true && o.file_path)
    return otherNamespaces(
      this.namespace,
      uploaded.map((o) => o.file_path!),
      keys
    )
  }

  isUnchanged(local: LocalDoc, remote: RemoteDoc): boolean {
    return isUnchanged(local, remote)
  }

  async upload(doc: LocalDoc, previous: RemoteDoc | undefined): Promise<UploadResult> {
    const previousIds = previous?.ids ?? []
    const zipped = this.zipped.has(doc.key)
    if (zipped) {
      const late = await this.lateZipObject(doc, previousIds)
      if (late) return late
    }
    if (previousIds.length > 1) {
      const kept = await this.keepOneCopy(doc)
      if (kept) return kept
    }
    const uploadId = await this.api.uploadFile(storedName(this.namespace, doc.key), await readDoc(doc))
    await this.api.startProcessing(uploadId, doc.key)
    await this.waitIndexed(uploadId, doc.key)
    // INDEXED is StackSpot's word that the doc is in. Only a replacement has old objects to find and
    // delete; a new doc needs no listing (one listing of a large KS costs more than the whole upload),
    // unless its zip object may have appeared meanwhile.
    if (previousIds.length === 0 && !zipped) return { detail: `upload ${uploadId}, indexed` }
    const kept = await this.keepOnlyNewest(doc, previousIds)
    return { detail: `object ${kept}` }
  }

  /**
   * Before a doc the zip did not show in time goes per-file: list again, and when its zip object
   * has appeared since, that is the new version (no second copy is uploaded).
   */
  private async lateZipObject(doc: LocalDoc, previousIds: readonly string[]): Promise<UploadResult | undefined> {
    const objects = (await this.api.listObjects(Date.now())).filter((o) => ownedKey(o, this.namespace) === doc.key)
    const keep = newestVersion(objects, doc, previousIds)
    if (!keep || previousIds.includes(keep.id)) return undefined
    await this.api.deleteIds(
      staleVersions(objects, keep, doc, previousIds).map((o) => o.id),
      doc.key
    )
    return { detail: `object ${keep.id} (zip, appeared after the batch)` }
  }

  /**
   * A doc stored several times where one copy already holds these bytes (a replace cut short, a
   * late zip object): keep the newest such copy, delete the rest, upload nothing.
   */
  private async keepOneCopy(doc: LocalDoc): Promise<UploadResult | undefined> {
    const objects = (await this.api.listObjects(Date.now())).filter((o) => ownedKey(o, this.namespace) === doc.key)
    const keep = newestOf(objects.filter((o) => matchesDigest(o.checksum, doc)))
    if (!keep) return undefined
    const others = objects.filter((o) => o.id !== keep.id).map((o) => o.id)
    await this.api.deleteIds(others, doc.key)
    return { detail: `object ${keep.id} already held this version; ${others.length} other ${others.length === 1 ? 'copy' : 'copies'} deleted` }
  }

  private async waitIndexed(uploadId: string, key: string): Promise<void> {
    const deadline = Date.now() + this.settings.processingTimeoutSeconds * 1000
    let wait = this.pollMs
    let last = 'NEW'
    for (;;) {
      const status = await this.api.uploadStatus(uploadId, key)
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
      wait = Math.min(this.maxPollMs, wait * 2)
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
      const objects = (await this.api.listObjects(attempt === 0 ? indexedAt : Date.now())).filter((o) => ownedKey(o, this.namespace) === doc.key)
      const keep = newestVersion(objects, doc, previousIds)
      if (keep) {
        await this.api.deleteIds(
          staleVersions(objects, keep, doc, previousIds).map((o) => o.id),
          doc.key
        )
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

  async remove(remote: RemoteDoc): Promise<RemoveResult> {
    await this.api.deleteIds(remote.ids, remote.key)
    return { action: 'deleted', detail: remote.ids.length === 1 ? `object ${remote.ids[0]}` : `${remote.ids.length} objects` }
  }

  /** The zip batch, or every doc back as fallback where `upload-strategy` says per-file (or `auto` has one doc). */
  async uploadBatch(docs: readonly LocalDoc[], ctx: BatchContext): Promise<BatchResult> {
    const none = { done: new Map<string, UploadResult>(), fallback: [...docs] }
    const strategy = this.settings.uploadStrategy
    if (strategy === 'per-file') return none
    // One doc: the documented per-file flow costs about the same as a zip and is the better-known path.
    if (strategy === 'auto' && docs.length < 2) return none
    // A doc stored several times with one copy already holding its bytes needs a clean-up, not a
    // zip: upload() keeps that copy without sending the bytes again.
    const copies = docs.filter((d) => holdsCopyOf(d, ctx.remote.get(d.key)))
    const rest = docs.filter((d) => !copies.includes(d))
    if (rest.length === 0 || (strategy === 'auto' && rest.length < 2)) return none
    const result = await uploadZipBatch(rest, ctx, {
      api: this.api,
      log: this.log,
      concurrency: this.settings.concurrency,
      processingTimeoutSeconds: this.settings.processingTimeoutSeconds,
      pollMs: this.pollMs,
      maxPollMs: this.maxPollMs,
      namespace: this.namespace,
      hasForeignObjects: this.hasForeignObjects,
      stallMs: this.options.batchStallMs,
      silentMs: this.options.batchSilentMs
    })
    for (const key of result.zipped) this.zipped.add(key)
    return { ...result, fallback: [...result.fallback, ...copies] }
  }
}

/** Several objects under the doc's path, one of them listed with the doc's bytes. */
function holdsCopyOf(doc: LocalDoc, remote: RemoteDoc | undefined): boolean {
  const checksums = remote?.meta?.checksums
  if (!remote || remote.ids.length < 2 || !Array.isArray(checksums)) return false
  return checksums.some((c: unknown) => typeof c === 'string' && matchesDigest(c, doc))
}
