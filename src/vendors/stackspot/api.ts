/**
 * The StackSpot Data Integration API calls for one Knowledge Source, shared by the per-file flow
 * (adapter.ts) and the zip batch (batch.ts), with the new-KS grace period both need. The vendor
 * documents few answers (NOTES §1); where it is silent, the choices are in docs/stackspot.md.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { ActionError, VendorHttpError } from '../../errors.js'
import { HttpClient, type HttpRequest, type TokenSource } from '../../http.js'
import type { Log } from '../../log.js'
import { pathSegment, withSafeIds } from '../../path-segment.js'
import { writeUnlessLanded } from '../lost-answer.js'
import { checkUploadUrl } from '../../upload-url.js'
import { multipartBody } from './multipart.js'
import { describeS3Error, presignedPostBody } from './s3.js'
import { KnowledgeSource, UploadForm, UploadStatus, knowledgeObjects, type KnowledgeObject } from './schema.js'

/** A new KS refuses uploads for a while ("async permissions", NOTES §1(d)); keep asking this long. */
const NEW_KS_GRACE_MS = 30_000
/** Pre-signed form lifetime; the docs' example sends 600 (its unit is disputed, NOTES §1(c)). */
const FORM_EXPIRATION = 600
/**
 * The object listing is one unpaged array; at a few hundred bytes an object, this allows some
 * 200,000 objects, where the 16 MiB default for other answers would stop near 60,000.
 */
const MAX_LISTING_BYTES = 64 * 1024 * 1024

const CREDENTIAL_HINT =
  'Check the `client-id`, `client-secret` and `realm` inputs: they must belong to a StackSpot service credential (or PAT client) with the ai_dev and ai_admin permissions.'
const PERMISSION_HINT =
  'The credential was accepted but may not do this: it needs the ai_dev and ai_admin permissions, and uploading to a Knowledge Source through the API needs a StackSpot Enterprise account (or a personal access token where your plan allows one).'

/** How StackSpot answered a zip. `accepted`: taken for later processing (202), so a listing at once would show the old state. */
export type ZipAnswer = 'sent' | 'accepted' | 'unsupported' | { refused: string }

export class KnowledgeSourceApi {
  readonly http: HttpClient
  /** The pre-signed POST carries its own signature; no StackSpot token ever goes to S3. */
  private readonly s3: HttpClient
  readonly slug: string
  private readonly log: Log
  /** When this run created the KS: until NEW_KS_GRACE_MS later, 403/404 on uploads means "not ready yet". */
  private createdAt: number | undefined
  private listing: { startedAt: number; promise: Promise<KnowledgeObject[]> } | undefined
  /** Object ids already reported as unusable in a URL, so each listing does not warn again. */
  private readonly reportedIds = new Set<string>()

  constructor(opts: { apiUrl: string; slug: string; tokens: TokenSource; log: Log }) {
    this.slug = opts.slug
    this.log = opts.log
    this.http = new HttpClient({
      vendor: 'StackSpot',
      baseUrl: opts.apiUrl,
      tokens: opts.tokens,
      log: opts.log,
      hintFor: (status) => (status === 401 ? CREDENTIAL_HINT : status === 403 ? PERMISSION_HINT : undefined)
    })
    this.s3 = new HttpClient({ vendor: 'StackSpot S3', baseUrl: opts.apiUrl, log: opts.log, describeError: describeS3Error })
  }

  private ksPath(suffix = ''): string {
    return `/v1/knowledge-sources/${encodeURIComponent(this.slug)}${suffix}`
  }

  /** The KS, or undefined when there is none with this slug. */
  async find(): Promise<{ name: string } | undefined> {
    const found = await this.http.request({ method: 'GET', url: this.ksPath(), operation: `look up Knowledge Source "${this.slug}"`, accept: [404] })
    if (found.status === 404) return undefined
    // The KS body is undocumented; only its display name is read, and only for the summary.
    const ks = KnowledgeSource.safeParse(parseJson(found.text()))
    return { name: (ks.success && ks.data.name) || this.slug }
  }

  /** Creates the KS; false when it appeared meanwhile (a parallel run). */
  async create(name: string, description: string, type: string): Promise<boolean> {
    const operation = `create Knowledge Source "${this.slug}"`
    // The current docs use lowercase types, an older copy uppercase (NOTES §1(b)); try the other on a 400/422.
    for (const t of [type, type.toUpperCase()]) {
      const req: HttpRequest = {
        method: 'POST',
        url: '/v1/knowledge-sources',
        operation,
        json: { slug: this.slug, name, description, type: t },
        accept: [409, 400, 422]
      }
      // A KS that exists after a lost answer is the one we asked for: the slug is unique.
      const res = await writeUnlessLanded({
        write: () => this.http.request(req),
        landed: async () => ((await this.find()) ? 'landed' : undefined),
        what: operation,
        log: this.log
      })
      if (res === 'landed') {
        this.createdAt = Date.now()
        this.log.info(`Created Knowledge Source "${this.slug}" (${name}, type ${t}).`)
        return true
      }
      if (res.status === 409) {
        this.log.info(`Knowledge Source "${this.slug}" already exists (created meanwhile); using it.`)
        return false
      }
      if (res.status === 400 || res.status === 422) {
        if (t === t.toUpperCase()) throw this.http.failure(req, res)
        continue
      }
      this.createdAt = Date.now()
      this.log.info(`Created Knowledge Source "${this.slug}" (${name}, type ${t}).`)
      return true
    }
    throw new ActionError(`StackSpot refused to create Knowledge Source "${this.slug}".`)
  }

  /** Every object in the KS. Concurrent callers that need a listing started after `after` share one request. */
  listObjects(after = 0): Promise<KnowledgeObject[]> {
    if (this.listing && this.listing.startedAt >= after) return this.listing.promise
    const startedAt = Date.now()
    const req: HttpRequest = { method: 'GET', url: this.ksPath('/objects'), operation: `list the objects of Knowledge Source "${this.slug}"` }
    // A KS may hold tens of thousands of objects: a plain check of the fields we use is several times
    // faster than a schema parse, and we list after every batch.
    const promise = this.http.request({ ...req, maxBodyBytes: MAX_LISTING_BYTES }).then((res) => {
      const objects = knowledgeObjects(parseJson(res.text()))
      if (!objects)
        throw this.http.failure(req, res, 'unexpected response shape (expected an array of objects with id and file_path); the vendor API may have changed')
      return withSafeIds(
        objects,
        (o) => o.id,
        (o) => `the knowledge object${o.file_path ? ` of ${o.file_path}` : ''}`,
        this.log,
        this.reportedIds
      )
    })
    this.listing = { startedAt, promise }
    promise.catch(() => {
      if (this.listing?.promise === promise) this.listing = undefined
    })
    return promise
  }

  async deleteIds(ids: readonly string[], key: string): Promise<void> {
    for (const objectId of ids) {
      await this.http.request({
        method: 'DELETE',
        url: this.ksPath(`/objects/${pathSegment(objectId, 'knowledge object id')}`),
        operation: `delete object ${objectId} (${key})`,
        // Already gone is what we wanted.
        accept: [404]
      })
    }
  }

  /** The per-file flow up to processing: an upload form, then the bytes to storage. Returns the upload id. */
  async uploadFile(key: string, bytes: Buffer): Promise<string> {
    const operation = `create an upload form for ${key}`
    const form = await this.whenKsReady(() =>
      writeUnlessLanded<UploadForm, never>({
        write: () =>
          this.http.json(
            {
              method: 'POST',
              url: '/v2/file-upload/form',
              operation,
              json: { file_name: key, target_id: this.slug, target_type: 'KNOWLEDGE_SOURCE', expiration: FORM_EXPIRATION }
            },
            UploadForm
          ),
        // A form whose answer was lost is never used: it holds no file, so it adds nothing to the KS. Ask for another.
        landed: async () => undefined,
        what: operation,
        log: this.log
      })
    )
    // Checked before the bytes go out: the id names every later call about this upload.
    pathSegment(form.id, 'upload id')
    await checkUploadUrl(form.url, `the upload URL StackSpot gave for ${key}`)
    const { body, contentType } = presignedPostBody(form.form, key, bytes)
    await writeUnlessLanded({
      // Not sent again blindly: storage may refuse a form that was already used.
      write: () =>
        this.s3.request({
          method: 'POST',
          url: form.url,
          operation: `upload ${key} to storage`,
          headers: { 'content-type': contentType },
          body,
          auth: false,
          idempotent: false
        }),
      landed: () => this.pastNew(form.id, key),
      what: `upload ${key} to storage`,
      log: this.log
    })
    return form.id
  }

  /**
   * The knowledge-objects step. Older deployments index without it (404/405): then just poll. Sent
   * twice it might split the file twice, so a lost answer is checked against the upload's status.
   */
  async startProcessing(uploadId: string, key: string): Promise<void> {
    const res = await writeUnlessLanded({
      write: () =>
        this.http.request({
          method: 'POST',
          url: `/v1/file-upload/${pathSegment(uploadId, 'upload id')}/knowledge-objects`,
          operation: `start processing ${key}`,
          json: { split_strategy: 'NONE' },
          idempotent: false,
          accept: [404, 405]
        }),
      landed: () => this.pastNew(uploadId, key),
      what: `start processing ${key}`,
      log: this.log
    })
    if (res !== 'landed' && (res.status === 404 || res.status === 405))
      this.log.debug(`StackSpot: no knowledge-objects step for ${key} (HTTP ${res.status}); polling the upload status`)
  }

  /** 'landed' once the upload has moved on from NEW: its file arrived and processing has begun (polling tells the rest). */
  private async pastNew(uploadId: string, key: string): Promise<'landed' | undefined> {
    const status = await this.uploadStatus(uploadId, key)
    return status.status.toUpperCase() === 'NEW' ? undefined : 'landed'
  }

  async uploadStatus(uploadId: string, key: string): Promise<UploadStatus> {
    return this.http.json(
      { method: 'GET', url: `/v1/file-upload/${pathSegment(uploadId, 'upload id')}`, operation: `check the processing of ${key}` },
      UploadStatus
    )
  }

  /** Posts a zip of `count` docs to the batch endpoint. */
  async postZip(zip: Buffer, count: number, autoDelete: boolean): Promise<ZipAnswer> {
    const { body, contentType } = multipartBody([{ name: 'objects_zip', value: zip, filename: 'objects.zip', contentType: 'application/zip' }])
    const req: HttpRequest = {
      method: 'POST',
      url: this.ksPath('/objects/batch'),
      query: { 'auto-delete': String(autoDelete) },
      operation: `upload a zip of ${count} docs to Knowledge Source "${this.slug}"`,
      headers: { 'content-type': contentType },
      body,
      accept: [404, 405, 400, 413, 422]
    }
    const res = await this.whenKsReady(async () => {
      const r = await this.http.request(req)
      if (r.status === 404 && this.justCreated()) throw this.http.failure(req, r)
      return r
    })
    // 404 names a missing route here: the KS itself was found moments ago.
    if (res.status === 405 || res.status === 404) return 'unsupported'
    if (res.status >= 400) return { refused: this.http.failure(req, res).message }
    return res.status === 202 ? 'accepted' : 'sent'
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
