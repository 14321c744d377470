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
import { ActionError, VendorHttpError, errorMessage } from '../../errors.js'
import type { Log } from '../../log.js'
import { otherNamespaces, storedName } from '../../namespace.js'
import type { BatchContext, BatchResult, RemoteDoc, RemoveResult, StoreInfo, UploadResult, VendorAdapter, VendorDeps } from '../types.js'
import { KnowledgeSourceApi } from './api.js'
import { requireCredential, stackSpotTokens, type StackSpotTokens } from './auth.js'
import { uploadZipBatch } from './batch.js'
import {
  comparableChecksum,
  isUnchanged,
  listedPath,
  matchesDigest,
  newestOf,
  newestVersion,
  ownedKey,
  remoteDocs,
  renamedFrom,
  staleVersions
} from './objects.js'
import type { KnowledgeObject } from './schema.js'
import { isKnownStatus, statusKind } from './schema.js'
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
  /** How long an unknown status word may stay unchanged, the doc not listed, before the upload is given up. */
  unknownStatusMs?: number
  /** How long a deleted object may stay listed before the delete counts as failed. */
  deleteConfirmMs?: number
}

/** An unknown status word must stay unchanged this many polls (and `unknownStatusMs`) before the upload is given up. */
const UNKNOWN_STATUS_POLLS = 8
const UNKNOWN_STATUS_MS = 30_000

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
    if (options.deleteConfirmMs !== undefined) this.api.deleteConfirmMs = options.deleteConfirmMs
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
    const docs = remoteDocs(objects, this.namespace)
    this.warnRenamed(objects, docs)
    return docs
  }

  /**
   * Objects that look like this namespace's docs under a changed file_path (a server that
   * sanitises names): not the action's to touch, but each run would upload those docs again.
   */
  private warnRenamed(objects: readonly KnowledgeObject[], docs: readonly RemoteDoc[]): void {
    const prefix = `${this.namespace.replace(/\/+$/, '')}/`
    const looksOurs = objects.filter(
      (o) => o.standalone !== true && o.file_path && ownedKey(o, this.namespace) === undefined && looseStartsWith(o.file_path, prefix)
    )
    if (looksOurs.length === 0) return
    this.log.warning(
      `StackSpot lists ${looksOurs.length} objects whose file_path looks like this repository's docs under another spelling (e.g. "${looksOurs[0]!.file_path}"; ${docs.length} are listed as sent). If StackSpot changes the file_path the action sends, it cannot find its docs and uploads them again on every run: run \`mode: doctor\` to check.`
    )
  }

  async otherNamespaces(keys: readonly string[]): Promise<string[]> {
    const uploaded = this.listed.filter((o) => o.standalone !== true && o.file_path)
    return otherNamespaces(
      this.namespace,
      uploaded.map((o) => listedPath(o.file_path!)),
      keys
    )
  }

  isUnchanged(local: LocalDoc, remote: RemoteDoc): boolean {
    if (remote.ids.length === 1 && !remote.digest) {
      this.api.once('no checksum', () =>
        this.log.info(
          'StackSpot lists objects without a checksum: the action cannot tell an unchanged doc, so it uploads each listed doc again, replacing the old object (safe, but every run costs a full upload).'
        )
      )
    }
    return isUnchanged(local, remote)
  }

  /** After an upload: a checksum that is none of the doc's digests means unchanged docs can never be recognised. Said once. */
  private noteChecksum(o: KnowledgeObject, doc: LocalDoc): void {
    if (!o.checksum || matchesDigest(o.checksum, doc)) return
    this.api.once('other checksum', () =>
      this.log.info(
        `StackSpot's checksum for ${doc.key} ("${o.checksum!.slice(0, 16)}…") is none of the SHA-256, SHA-1 or MD5 of its bytes: the action cannot tell an unchanged doc, so every run uploads each doc again, replacing the old object (safe, but costly).`
      )
    )
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
    const sentName = storedName(this.namespace, doc.key)
    const uploadId = await this.api.uploadFile(sentName, await readDoc(doc))
    await this.api.startProcessing(uploadId, doc.key)
    const processed = await this.waitIndexed(uploadId, doc, previousIds)
    if (processed.renamedTo !== undefined) await this.refuseRenamed(doc, sentName, processed.renamedTo, uploadId)
    if (processed.object) {
      // An unknown status word was settled by the listing: the new object is known already.
      const objects = (await this.api.listObjects(Date.now())).filter((o) => ownedKey(o, this.namespace) === doc.key)
      await this.api.deleteIds(
        staleVersions(objects, processed.object, doc, previousIds).map((o) => o.id),
        doc.key
      )
      return { detail: `object ${processed.object.id}` }
    }
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

  /**
   * Polls the upload until a done word. A word the action does not know is logged raw and settled
   * by the listing (the doc's new object there means processed), and given up on when it stays
   * unchanged with no object for a while: never a wait to processing-timeout on a word that may
   * mean "finished". `renamedTo`: the status names the file otherwise than sent.
   */
  private async waitIndexed(uploadId: string, doc: LocalDoc, previousIds: readonly string[]): Promise<{ object?: KnowledgeObject; renamedTo?: string }> {
    const key = doc.key
    const sent = storedName(this.namespace, key)
    const deadline = Date.now() + this.settings.processingTimeoutSeconds * 1000
    let wait = this.pollMs
    let last = 'NEW'
    let unknown: { word: string; polls: number; since: number } | undefined
    for (;;) {
      const status = await this.api.uploadStatus(uploadId, key)
      last = status.status
      const renamedTo = status.file_name && listedPath(status.file_name) !== sent ? status.file_name : undefined
      const kind = statusKind(status.status)
      if (kind === 'done') return { renamedTo }
      const failed = (word: string) =>
        new VendorHttpError({
          vendor: 'StackSpot',
          operation: `process ${key}`,
          detail: `the upload ended in ${word}${status.error_description ? `: ${status.error_description}` : ''}; the previous version, if any, was kept`
        })
      if (kind === 'failed') throw failed(status.status)
      if (!isKnownStatus(status.status)) {
        this.api.once(`word ${status.status}`, () =>
          this.log.info(
            `StackSpot: the upload status of ${key} is "${status.status}", a word the action does not know (it knows INDEXED, COMPLETED, DONE, EMBEDDED as done, …ERROR and FAILED as failed); it takes the doc as processed once its new object is listed.`
          )
        )
        // An unknown word with an error description is a failure in other words.
        if (status.error_description) throw failed(`"${status.status}" (a status word the action does not know)`)
        const objects = (await this.api.listObjects(Date.now())).filter((o) => ownedKey(o, this.namespace) === key && !previousIds.includes(o.id))
        const object = newestOf(objects)
        if (object) return { object, renamedTo }
        unknown = unknown?.word === status.status ? { ...unknown, polls: unknown.polls + 1 } : { word: status.status, polls: 1, since: Date.now() }
        const unknownMs = this.options.unknownStatusMs ?? UNKNOWN_STATUS_MS
        if (unknown.polls >= UNKNOWN_STATUS_POLLS && Date.now() - unknown.since >= unknownMs) {
          throw new VendorHttpError({
            vendor: 'StackSpot',
            operation: `process ${key}`,
            detail: `StackSpot reported the status "${status.status}", a word the action does not know, for ${Math.round((Date.now() - unknown.since) / 1000)} s, and no new object for ${key} was listed; giving up on it before processing-timeout. The action relies on processing ending in INDEXED (or COMPLETED, DONE, EMBEDDED). The previous version, if any, was kept`
          })
        }
      } else unknown = undefined
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
   * StackSpot named the upload otherwise than sent. The action finds its docs by file_path, so it
   * could never find this one again and would upload it on every run: the object is deleted again
   * where it can be found, and the run stops naming the assumption.
   */
  private async refuseRenamed(doc: LocalDoc, sent: string, renamedTo: string, uploadId: string): Promise<never> {
    const objects = await this.api.listObjects(Date.now())
    const known = new Set(this.listed.map((o) => o.id))
    const made = objects.filter(
      (o) => !known.has(o.id) && o.standalone !== true && (String(o.upload_id ?? '') === uploadId || (o.file_path && renamedFrom(o.file_path, [sent]) === sent))
    )
    let cleanup = 'The object it made could not be found in the listing; if one with that file_path appears, delete it in the StackSpot portal.'
    if (made.length > 0) {
      try {
        await this.api.deleteIds(
          made.map((o) => o.id),
          doc.key
        )
        cleanup = `The object it made (${made.map((o) => o.id).join(', ')}) was deleted again.`
      } catch (error) {
        cleanup = `The object it made (${made.map((o) => o.id).join(', ')}) could not be deleted (${errorMessage(error)}); delete it in the StackSpot portal.`
      }
    }
    throw new ActionError(
      `StackSpot does not keep file_path as sent: "${sent}" came back as "${renamedTo}". The action finds its docs by file_path, so it would upload them again on every run; it stops here instead. ${cleanup}`,
      'Only a leading "/" is taken as the same path. Report this with the output of `mode: doctor`.'
    )
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
        this.noteChecksum(keep, doc)
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
    // A listed doc whose checksum the action cannot compare may be unchanged; a zip of it may then
    // be "preserved" with no new object to tell it arrived. The per-file flow always makes one.
    const copies = docs.filter((d) => holdsCopyOf(d, ctx.remote.get(d.key)) || uncomparable(ctx.remote.get(d.key)))
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
      silentMs: this.options.batchSilentMs,
      knownIds: new Set(this.listed.map((o) => o.id)),
      noteChecksum: (o, d) => this.noteChecksum(o, d)
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

/** A listed doc whose checksum is absent or not a digest the action computes. */
function uncomparable(remote: RemoteDoc | undefined): boolean {
  const checksums = remote?.meta?.checksums
  return remote !== undefined && Array.isArray(checksums) && checksums.some((c: unknown) => typeof c !== 'string' || !comparableChecksum(c))
}

/**
 * Whether a listed path without folders, compared loosely, starts with the namespace (a sanitised
 * `octo_docs_…`). Other namespaces' objects keep their folders, so they never match.
 */
function looseStartsWith(path: string, prefix: string): boolean {
  const fold = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9]/g, '')
      .toLowerCase()
  return !listedPath(path).includes('/') && fold(path).startsWith(fold(prefix))
}
