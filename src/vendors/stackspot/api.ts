// Over 350 lines: every call of the Data Integration API with the answers it may give, in one place; reading the listing's pages is in listing.ts.
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
import { readPage } from '../../doctor/paging.js'
import { ObjectPager, parseObjects } from './listing.js'
import { KnowledgeSource, UploadForm, UploadStatus, type KnowledgeObject } from './schema.js'

/** A new KS refuses uploads for a while ("async permissions", NOTES §1(d)); keep asking this long. */
const NEW_KS_GRACE_MS = 30_000
/** Pre-signed form lifetime; the docs' example sends 600 (its unit is disputed, NOTES §1(c)). */
const FORM_EXPIRATION = 600
/** How long a deleted object may stay listed (a server that deletes in the background) before the delete counts as failed. */
const DELETE_CONFIRM_MS = 20_000
/** How long an object whose DELETE answered 404 may stay listed: a listing that lags a moment, no more. */
const NOT_FOUND_CONFIRM_MS = 3_000

/**
 * The object listing is one unpaged array; at a few hundred bytes an object, this allows some
 * 200,000 objects, where the 16 MiB default for other answers would stop near 60,000.
 */
const MAX_LISTING_BYTES = 64 * 1024 * 1024

const CREDENTIAL_HINT =
  'Check the `client-id`, `client-secret` and `realm` inputs: they must belong to a StackSpot service credential (or PAT client) with the ai_dev and ai_admin permissions.'
const PERMISSION_HINT =
  'The credential was accepted but may not do this: it needs the ai_dev and ai_admin permissions, and uploading to a Knowledge Source through the API needs a StackSpot Enterprise account (or a personal access token where your plan allows one).'

/** A `confirmGone` waiting for the listing. */
interface PendingConfirm {
  answers: ReadonlyMap<string, number>
  key: string
  resolve(): void
  reject(error: unknown): void
}

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
  /** Odd listing items and other one-time findings already reported this run. */
  private readonly reported = new Set<string>()
  private readonly pager = new ObjectPager()
  /** Where processing starts: learned from the first upload (NOTES §1(b) lists both routes). */
  private processingRoute: 'knowledge-objects' | 'file-upload' | 'none' | undefined
  /** How long a deleted object may stay listed; tests shorten it. */
  deleteConfirmMs = DELETE_CONFIRM_MS
  /** DELETEs sent and not yet answered: confirmations wait for them, to share one listing. */
  private deletesInFlight = 0
  private readonly confirms: PendingConfirm[] = []
  private confirmScheduled = false

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

  /** Every object in the KS, all pages. Concurrent callers that need a listing started after `after` share one request. */
  listObjects(after = 0): Promise<KnowledgeObject[]> {
    if (this.listing && this.listing.startedAt >= after) return this.listing.promise
    const startedAt = Date.now()
    const operation = `list the objects of Knowledge Source "${this.slug}"`
    // A KS may hold tens of thousands of objects: a plain check of the fields we use is several times
    // faster than a schema parse, and we list after every batch.
    const promise = this.pager
      .read(async (page) => {
        const req: HttpRequest = {
          method: 'GET',
          url: this.ksPath('/objects'),
          query: page ? { page: page.number, size: page.size } : undefined,
          operation: page ? `${operation} (page ${page.number})` : operation,
          maxBodyBytes: MAX_LISTING_BYTES
        }
        const res = await this.http.request(req)
        const body = parseJson(res.text())
        if (!readPage(body))
          throw this.http.failure(req, res, 'unexpected response shape (expected an array of objects with id and file_path); the vendor API may have changed')
        return body
      })
      .then((read) => {
        if (!read.followedToEnd) {
          throw new ActionError(
            `StackSpot's object listing of Knowledge Source "${this.slug}" is paged and could not be read to its end (${read.note}).`,
            'The action never takes part of a listing for the whole KS (it would upload the other docs again and miss ones to delete); run `mode: doctor` and report what it shows.'
          )
        }
        if (read.paged) this.once('paged', () => this.log.info(`StackSpot: the object listing is paged (${read.note}); every page is read.`))
        const { objects, odd } = parseObjects(read.items)
        for (const o of odd) {
          this.once(`odd ${o.item} ${o.why}`, () =>
            this.log.warning(
              `StackSpot listed an object the action cannot read (${o.item}: ${o.why}); it is skipped, and nothing is changed or deleted for it. Check it in the StackSpot portal.`
            )
          )
        }
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

  /** Runs `report` the first time `what` comes up this run. */
  once(what: string, report: () => void): void {
    if (this.reported.has(what)) return
    this.reported.add(what)
    report()
  }

  /**
   * Deletes the objects, then waits until the listing no longer shows them: a DELETE's answer
   * alone (a 404 "already gone", a 202 "accepted") never counts as deleted.
   */
  async deleteIds(ids: readonly string[], key: string): Promise<void> {
    await this.confirmGone(await this.sendDeletes(ids, key), key)
  }

  /**
   * Sends a DELETE for each object, one after another, and returns each answer's status. Nothing is
   * deleted until `confirmGone` says so: callers deleting for many docs send all their DELETEs
   * first and confirm together, so one listing of the KS settles them all.
   */
  async sendDeletes(ids: readonly string[], key: string): Promise<Map<string, number>> {
    const answers = new Map<string, number>()
    this.deletesInFlight++
    try {
      for (const objectId of ids) {
        const res = await this.http.request({
          method: 'DELETE',
          url: this.ksPath(`/objects/${pathSegment(objectId, 'knowledge object id')}`),
          operation: `delete object ${objectId} (${key})`,
          // Already gone is what we wanted, if the listing agrees.
          accept: [404]
        })
        answers.set(objectId, res.status)
      }
    } finally {
      this.deletesInFlight--
      if (this.deletesInFlight === 0 && this.confirms.length > 0) this.scheduleConfirms()
    }
    return answers
  }

  /**
   * Resolves once the listing no longer shows any of `answers`' objects; rejects naming the ones
   * still listed when the time allowed is up. Confirmations asked for while DELETEs are still in
   * flight wait for them and share one listing: a listing of a large KS costs far more than a
   * DELETE, and deleting ten docs' old copies should not list the KS ten times.
   */
  confirmGone(answers: ReadonlyMap<string, number>, key: string): Promise<void> {
    if (answers.size === 0) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      this.confirms.push({ answers, key, resolve, reject })
      if (this.deletesInFlight === 0) this.scheduleConfirms()
    })
  }

  private scheduleConfirms(): void {
    if (this.confirmScheduled) return
    this.confirmScheduled = true
    // After the current turn, so confirmations asked for together are settled together.
    setImmediate(() => {
      this.confirmScheduled = false
      // A DELETE sent meanwhile would not be settled by a listing started now; its end schedules again.
      if (this.deletesInFlight > 0) return
      const batch = this.confirms.splice(0)
      if (batch.length > 0) void this.settleConfirms(batch)
    })
  }

  private async settleConfirms(batch: PendingConfirm[]): Promise<void> {
    const started = Date.now()
    let wait = 200
    let open = batch
    try {
      for (;;) {
        const listed = new Set((await this.listObjects(Date.now())).map((o) => o.id))
        const next: PendingConfirm[] = []
        for (const c of open) {
          const still = [...c.answers.keys()].filter((id) => listed.has(id))
          if (still.length === 0) {
            c.resolve()
            continue
          }
          // "Not found" while listed contradicts itself and no waiting mends it; only an accepted delete may lag.
          const allowedMs = still.every((id) => c.answers.get(id) === 404) ? Math.min(this.deleteConfirmMs, NOT_FOUND_CONFIRM_MS) : this.deleteConfirmMs
          if (Date.now() - started + wait > allowedMs) {
            const how = [...new Set(still.map((id) => c.answers.get(id)))].map((s) => `HTTP ${s}`).join(', ')
            c.reject(
              new VendorHttpError({
                vendor: 'StackSpot',
                operation: `delete ${c.key}`,
                detail: `object ${still.join(', ')} is still listed ${Math.round((Date.now() - started) / 1000)} s after its DELETE answered ${how}. The action relies on \`DELETE …/objects/{id}\` deleting the object the listing shows, and counts a delete only once the listing confirms it: this doc is not reported as deleted.`
              })
            )
            continue
          }
          next.push(c)
        }
        open = next
        if (open.length === 0) return
        await sleep(wait)
        wait = Math.min(2_000, Math.round(wait * 1.5))
      }
    } catch (error) {
      for (const c of open) c.reject(error)
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
    const nulls = Object.keys(form.form).filter((k) => form.form[k] === null)
    if (nulls.length > 0)
      this.once('null form fields', () =>
        this.log.info(`StackSpot: the upload form holds null in ${nulls.join(', ')}; those fields are left out of the storage upload (never sent as "null").`)
      )
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
   * Starts processing: `POST /v1/file-upload/{id}/knowledge-objects`; where that route is missing
   * (404/405), `POST /v1/file-upload/{id}` with the same body (a variant NOTES §1(b) lists); where
   * both are missing, processing starts by itself and the status is just polled. The route found
   * is kept for the run's other uploads. Sent twice a step might split the file twice, so a lost
   * answer is checked against the upload's status.
   */
  async startProcessing(uploadId: string, key: string): Promise<void> {
    const id = pathSegment(uploadId, 'upload id')
    const routes = (['knowledge-objects', 'file-upload'] as const).filter((r) => this.processingRoute === undefined || this.processingRoute === r)
    const missing: string[] = []
    for (const route of routes) {
      const url = route === 'knowledge-objects' ? `/v1/file-upload/${id}/knowledge-objects` : `/v1/file-upload/${id}`
      const res = await writeUnlessLanded({
        write: () =>
          this.http.request({
            method: 'POST',
            url,
            operation: `start processing ${key}`,
            json: { split_strategy: 'NONE' },
            idempotent: false,
            accept: [404, 405]
          }),
        landed: () => this.pastNew(uploadId, key),
        what: `start processing ${key}`,
        log: this.log
      })
      if (res === 'landed' || (res.status !== 404 && res.status !== 405)) {
        if (route === 'file-upload' && this.processingRoute === undefined)
          this.log.info(
            `StackSpot: \`POST /v1/file-upload/{id}/knowledge-objects\` is not available here (${missing[0]}); processing is started with \`POST /v1/file-upload/{id}\` instead.`
          )
        this.processingRoute = route
        return
      }
      missing.push(`HTTP ${res.status}`)
    }
    if (this.processingRoute === undefined)
      this.log.debug(`StackSpot: no processing step for ${key} (knowledge-objects and file-upload answered ${missing.join(', ')}); polling the upload status`)
    this.processingRoute = 'none'
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
    const res = await this.whenKsReady(() => this.http.request(req))
    // 404 names a missing route here (the KS itself was found moments ago), or a KS this run just
    // created that does not take uploads yet: either way the per-file flow, which waits out a new
    // KS, takes the docs, rather than retrying a route that may not exist for half a minute.
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
