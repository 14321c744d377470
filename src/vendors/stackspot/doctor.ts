// Over 350 lines: one canary's whole life (form, storage, processing, listing, zip, clean-up) shares its state, so it stays in one class.
/**
 * `mode: doctor` for StackSpot. Most of what the adapter relies on is known only from third-party
 * clients or not at all (NOTES §1): the listing's paging, the status words, what `file_path` and
 * `checksum` hold, the zip batch's answer. One canary doc, uploaded per file and once more in a
 * zip (`auto-delete=false`, so nothing else is touched), shows what this account's API does.
 * The calls are made here directly, not through the adapter, to see the answers unfiltered.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { checksumAlgorithm } from '../../doctor/canary.js'
import { removeCanaries } from '../../doctor/cleanup.js'
import { describeShape, jsonBody } from '../../doctor/paging.js'
import { duration, pollUntil } from '../../doctor/poll.js'
import type { DoctorSession } from '../../doctor/session.js'
import type { DoctorEnv, VendorDoctor } from '../../doctor/contract.js'
import type { Assumption, Leftover } from '../../doctor/types.js'
import type { StoreInfo } from '../types.js'
import { VendorHttpError } from '../../errors.js'
import { HttpClient, isRecord, type HttpRequest } from '../../http.js'
import { pathSegment, unsafeSegment } from '../../path-segment.js'
import { checkUploadUrl } from '../../upload-url.js'
import { KnowledgeSourceApi } from './api.js'
import { requireCredential, stackSpotTokens } from './auth.js'
import { multipartBody } from './multipart.js'
import { describeS3Error, presignedPostBody } from './s3.js'
import { ObjectPager } from './listing.js'
import { isKnownStatus, statusKind } from './schema.js'
import { stackSpotSettings } from './settings.js'
import { zipInMemory } from './zip.js'

const ASSUMPTIONS: readonly Assumption[] = [
  {
    id: 'objects-listing',
    text: 'The object listing can be read to its end: one JSON array, or pages the action follows (v2 `page`/`size`)',
    source: '[3p] SYNC, IDX-4'
  },
  { id: 'object-fields', text: 'Every listed object has an `id`, and its `file_path` and `checksum` are strings or null', source: '[3p] SYNC' },
  {
    id: 'upload-form',
    text: 'The upload form answers an `id`, a `url` and `form` fields that are strings (a null one is left out)',
    source: '[doc] + [3p] STKAI, LIN'
  },
  {
    id: 'processing-step',
    text: '`POST /v1/file-upload/{id}/knowledge-objects` starts processing an upload, or `POST /v1/file-upload/{id}` where that is missing',
    source: '[3p] SYNC, IDX-3, LIN'
  },
  { id: 'status-words', text: 'Processing ends in `INDEXED` (or COMPLETED, DONE, EMBEDDED), a failure in `…ERROR` or `FAILED`', source: '[3p] IDX-3' },
  { id: 'file-path', text: 'The listed `file_path` is the `file_name` sent, unchanged (a leading `/` aside)', source: '[3p] SYNC; [gap]' },
  { id: 'checksum', text: 'The listed `checksum` is the hex SHA-256, SHA-1 or MD5 of the bytes', source: '[gap] NOTES §1(e)' },
  {
    id: 'zip-batch',
    text: '`POST …/objects/batch` takes a zip and lists its file under its path, or is missing (404/405) and docs go one by one',
    source: '[doc] path inferred; answer [gap]'
  },
  { id: 'delete-object', text: '`DELETE …/objects/{id}` removes the object from the listing', source: '[3p] SYNC' }
]

/** A new KS refuses uploads for a while ("async permissions", NOTES §1(d)); the sync waits this long too. */
const NEW_KS_GRACE_MS = 30_000
/** A clean-up waits at most this long for a half-processed canary to show up so it can be deleted. */
const CLEANUP_WAIT_MS = 120_000

type Obj = Record<string, unknown>

export function stackSpotDoctor(env: DoctorEnv): VendorDoctor {
  return new StackSpotDoctor(env)
}

class StackSpotDoctor implements VendorDoctor {
  readonly assumptions = ASSUMPTIONS
  private readonly env: DoctorEnv
  private readonly slug: string
  private readonly http: HttpClient
  private readonly s3: HttpClient
  private readonly zipKey: string
  private readonly pager = new ObjectPager()
  private uploadId: string | undefined
  /** The bytes may be in storage: from here on a canary object may appear. */
  private bytesSent = false
  /** How the per-file upload ended, once known. */
  private processing: 'done' | 'failed' | undefined
  private zipSent = false
  private zipSeen = false
  /** This run created the KS, which then refuses uploads for a while. */
  private newKs = false

  constructor(env: DoctorEnv) {
    this.env = env
    const settings = stackSpotSettings(env.settings)
    this.slug = settings.knowledgeBase
    const tokens = stackSpotTokens(env.tokenCache, requireCredential(settings.clientId, settings.clientSecret, settings.authUrl), env.log)
    // The API module's client carries the credential and permission hints the sync shows.
    this.http = new KnowledgeSourceApi({ apiUrl: settings.apiUrl, slug: this.slug, tokens, log: env.log }).http
    this.s3 = new HttpClient({ vendor: 'StackSpot S3', baseUrl: settings.apiUrl, log: env.log, describeError: describeS3Error })
    this.zipKey = `${env.canary.stem}-zip.md`
  }

  private ksPath(suffix = ''): string {
    return `/v1/knowledge-sources/${encodeURIComponent(this.slug)}${suffix}`
  }

  private async objects(): Promise<{ items: unknown[]; read: Awaited<ReturnType<ObjectPager['read']>> }> {
    // The adapter's own pager, so the report says what the sync does with this listing.
    const read = await this.pager.read(async (page) => {
      const res = await this.http.request({
        method: 'GET',
        url: this.ksPath('/objects'),
        query: page ? { page: page.number, size: page.size } : undefined,
        operation: `list the objects of Knowledge Source "${this.slug}"${page ? ` (page ${page.number})` : ''}`
      })
      return jsonBody(res)
    })
    return { items: read.items, read }
  }

  async list(store: StoreInfo, s: DoctorSession): Promise<void> {
    this.newKs = store.created
    const { items, read } = await this.objects()
    Object.assign(s.listing, { total: items.length, pages: read.pages, paged: read.paged, followedToEnd: read.followedToEnd, note: read.note })
    if (!read.followedToEnd)
      s.notHeld('objects-listing', `paged, not followed to the end: ${read.note}`, 'the sync stops rather than take part of the listing for all of it')
    else if (read.paged) s.held('objects-listing', `paged: ${read.note}`, 'the sync reads every page')
    else s.held('objects-listing', read.note)
    for (const item of items) {
      const why = oddObject(item)
      if (why) s.listing.odd.push({ ...(isRecord(item) && item.id !== undefined ? { id: String(item.id) } : {}), why })
    }
    this.checkFields(items, s)
  }

  private checkFields(items: unknown[], s: DoctorSession): void {
    if (items.length === 0 || s.hasCheck('object-fields')) return
    const odd = items.map(oddObject).filter((w): w is string => w !== undefined)
    if (odd.length === 0) s.held('object-fields', `all ${items.length} objects`)
    else s.notHeld('object-fields', `${odd.length} of ${items.length} objects are odd: ${[...new Set(odd)].slice(0, 3).join('; ')}`)
  }

  async canary(_store: unknown, s: DoctorSession): Promise<void> {
    const { canary } = this.env
    const form = await s.step('Ask StackSpot for an upload form', async () => {
      const res = await this.whenKsReady(s, () =>
        this.http.request({
          method: 'POST',
          url: '/v2/file-upload/form',
          operation: `create an upload form for ${canary.key}`,
          json: { file_name: canary.key, target_id: this.slug, target_type: 'KNOWLEDGE_SOURCE', expiration: 600 }
        })
      )
      const body = jsonBody(res)
      const id = isRecord(body) && (typeof body.id === 'string' || typeof body.id === 'number') ? String(body.id) : undefined
      const url = isRecord(body) && typeof body.url === 'string' ? body.url : undefined
      const fields = isRecord(body) && isRecord(body.form) ? body.form : undefined
      if (!id || !url || !fields) {
        s.notHeld('upload-form', `HTTP ${res.status}, ${describeShape(body)}${isRecord(body) && isRecord(body.form) ? '' : ' (no `form` object)'}`)
        throw new Error('the upload form answer lacks an id, a url or form fields')
      }
      const strings = Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => typeof e[1] === 'string'))
      const nulls = Object.keys(fields).filter((k) => fields[k] === null)
      const others = Object.entries(fields).filter(([, v]) => typeof v !== 'string' && v !== null)
      if (others.length === 0 && nulls.length > 0) {
        s.observe('stackspot.null_form_fields', nulls)
        s.held(
          'upload-form',
          `HTTP ${res.status}: an id, a url, ${Object.keys(strings).length} string form fields and null in ${nulls.join(', ')}`,
          'null fields are left out of the storage upload, as the sync does'
        )
      } else if (others.length === 0) s.held('upload-form', `HTTP ${res.status}: an id, a url and ${Object.keys(strings).length} string form fields`)
      else
        s.notHeld(
          'upload-form',
          `form fields ${others.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`,
          'the doctor left them out of the storage upload'
        )
      return { id, url, fields: strings }
    })
    this.uploadId = form.id

    await s.step('Upload the canary to storage', async () => {
      pathSegment(form.id, 'upload id')
      await checkUploadUrl(form.url, `the upload URL StackSpot gave for ${canary.key}`)
      const { body, contentType } = presignedPostBody(form.fields, canary.key, canary.bytes)
      // From the moment the bytes leave, a canary object may appear, even if this answer is lost.
      this.bytesSent = true
      await this.s3.request({
        method: 'POST',
        url: form.url,
        operation: `upload ${canary.key} to storage`,
        headers: { 'content-type': contentType },
        body,
        auth: false,
        idempotent: true
      })
      s.wrote('canary file (per-file upload)', `upload ${form.id}`)
    })

    await s.step('Start processing the canary', async () => {
      const ko = await this.http.request(this.processingRequest(`/v1/file-upload/${pathSegment(form.id, 'upload id')}/knowledge-objects`))
      if (ko.status < 300) return s.held('processing-step', `HTTP ${ko.status}`)
      const older = await this.http.request(this.processingRequest(`/v1/file-upload/${pathSegment(form.id, 'upload id')}`))
      const observed = `knowledge-objects answered HTTP ${ko.status}; \`POST /v1/file-upload/{id}\` answered HTTP ${older.status}`
      s.observe('stackspot.processing_route', older.status < 300 ? 'file-upload' : 'none')
      if (older.status < 300) s.held('processing-step', observed, 'this deployment starts processing at /v1/file-upload/{id}, as the sync then does')
      else s.notHeld('processing-step', observed, 'neither route exists here; the status below shows whether processing starts by itself')
    })

    await s.step('Wait for StackSpot to process the canary', () => this.waitProcessed(s))
    await s.step('Find the canary in the listing', () => this.findCanary(s))
    await s.step('Send a zip of one canary to the batch endpoint', () => this.zipProbe(s))
  }

  /** Repeats `call` on 403/404 while a KS this run created is not ready for uploads yet, as the sync does. */
  private async whenKsReady<T>(s: DoctorSession, call: () => Promise<T>): Promise<T> {
    const started = Date.now()
    let wait = 250
    for (;;) {
      try {
        const value = await call()
        if (this.newKs) s.observe('stackspot.new_ks_ready_after', duration(Date.now() - started))
        return value
      } catch (error) {
        const notReady = error instanceof VendorHttpError && (error.status === 403 || error.status === 404)
        if (!this.newKs || !notReady || Date.now() - started > NEW_KS_GRACE_MS) throw error
      }
      await sleep(wait)
      wait = Math.min(2_000, wait * 2)
    }
  }

  private processingRequest(url: string): HttpRequest {
    return { method: 'POST', url, operation: `start processing ${this.env.canary.key}`, json: { split_strategy: 'NONE' }, idempotent: true, accept: [404, 405] }
  }

  private async status(): Promise<{ status: string; error?: string }> {
    const res = await this.http.request({
      method: 'GET',
      url: `/v1/file-upload/${pathSegment(this.uploadId!, 'upload id')}`,
      operation: `check the processing of ${this.env.canary.key}`
    })
    const body = jsonBody(res)
    if (!isRecord(body) || typeof body.status !== 'string') throw new Error(`the upload status answer holds no status word (${describeShape(body)})`)
    return { status: body.status, ...(typeof body.error_description === 'string' ? { error: body.error_description } : {}) }
  }

  private async waitProcessed(s: DoctorSession): Promise<void> {
    const words: string[] = []
    const { value, ms } = await pollUntil(
      async () => {
        const { status, error } = await this.status()
        if (words.at(-1) !== status) words.push(status)
        const kind = statusKind(status)
        if (kind !== 'pending') return { kind, status, error }
        if (isKnownStatus(status)) return undefined
        // A word nobody reported: an error description, or the canary already listed, tells what it means.
        if (error) return { kind: 'unknown failure' as const, status, error }
        if ((await this.canaryObjects(this.isFileCanary)).length > 0) return { kind: 'listed' as const, status, error }
        return undefined
      },
      { waitMs: this.env.waitMs, firstMs: this.env.pollMs }
    )
    s.observe('stackspot.status_words', words)
    const seen = words.join(' → ')
    if (!value) {
      const last = words.at(-1) ?? ''
      if (!isKnownStatus(last)) s.notHeld('status-words', `${seen}, and no object after ${duration(ms)}`)
      throw new Error(`the canary is still ${last} after ${duration(ms)} (processing-timeout)`)
    }
    this.processing = value.kind === 'failed' || value.kind === 'unknown failure' ? 'failed' : 'done'
    if (value.kind === 'unknown failure') {
      s.notHeld('status-words', `${seen}, with error_description "${value.error}"`, 'the sync takes an unknown word with an error description as a failure')
      throw new Error(`StackSpot could not process the canary: ${value.status}: ${value.error}`)
    }
    if (value.kind === 'listed') {
      s.notHeld(
        'status-words',
        `${seen}; the canary was already listed while the status said ${value.status}`,
        'the sync logs the word and takes a doc as processed once it is listed'
      )
      return
    }
    s.held('status-words', seen)
    if (value.kind === 'failed') throw new Error(`StackSpot could not process the canary: ${value.status}${value.error ? `: ${value.error}` : ''}`)
  }

  private readonly isFileCanary = (o: Obj): boolean =>
    (typeof o.file_path === 'string' && o.file_path.includes(this.env.canary.runId) && !o.file_path.includes(`${this.env.canary.runId}-zip`)) ||
    (this.uploadId !== undefined && String(o.upload_id ?? '') === this.uploadId)

  private readonly isZipCanary = (o: Obj): boolean => typeof o.file_path === 'string' && o.file_path.includes(`${this.env.canary.runId}-zip`)

  private readonly isAnyCanary = (o: Obj): boolean => this.isFileCanary(o) || this.isZipCanary(o)

  private async canaryObjects(match: (o: Obj) => boolean): Promise<Obj[]> {
    return (await this.objects()).items.filter((o): o is Obj => isRecord(o) && match(o))
  }

  private async findCanary(s: DoctorSession): Promise<void> {
    const { canary } = this.env
    // Listings may lag the status a little.
    const { value: found, ms } = await pollUntil(
      async () => {
        const all = await this.objects()
        this.checkFields(all.items, s)
        const mine = all.items.filter((o): o is Obj => isRecord(o) && this.isFileCanary(o))
        return mine.length > 0 ? mine : undefined
      },
      { waitMs: Math.min(this.env.waitMs, 30_000), firstMs: this.env.pollMs }
    )
    if (!found) {
      s.notHeld('file-path', `no object with the canary's path or upload id was listed within ${duration(ms)} of processing`)
      throw new Error('StackSpot reported the canary processed, but the listing never showed it')
    }
    s.observe(
      'stackspot.canary_objects',
      found.map((o) => ({ id: o.id, file_path: o.file_path, checksum: o.checksum ?? null }))
    )
    const paths = [...new Set(found.map((o) => String(o.file_path)))]
    if (paths.length === 1 && paths[0] === canary.key) s.held('file-path', `"${canary.key}"${found.length > 1 ? ` (${found.length} objects)` : ''}`)
    else if (paths.length === 1 && paths[0] === `/${canary.key}`) {
      s.observe('stackspot.file_path_leading_slash', true)
      s.held('file-path', `sent "${canary.key}", listed as "${paths[0]}"`, 'a leading / is stripped by the sync')
    } else
      s.notHeld(
        'file-path',
        `sent "${canary.key}", listed as ${paths.map((p) => `"${p}"`).join(', ')}${paths.some((p) => p === `/${canary.key}`) ? ' (a leading /)' : ''}`
      )

    const checksum = found[0]!.checksum
    if (typeof checksum !== 'string' || checksum === '') {
      s.observe('stackspot.checksum_algorithm', 'none')
      s.notHeld('checksum', 'no checksum', 'unchanged docs cannot be recognised, so every full reconcile uploads them again')
      return
    }
    const algorithm = checksumAlgorithm(checksum, canary.bytes)
    s.observe('stackspot.checksum_algorithm', algorithm ?? 'unknown')
    if (algorithm && !algorithm.includes('base64')) s.held('checksum', algorithm)
    else
      s.notHeld(
        'checksum',
        algorithm ?? `"${checksum}" is none of SHA-256, SHA-1 or MD5 of the bytes`,
        'unchanged docs cannot be recognised, so every full reconcile uploads them again'
      )
  }

  private async zipProbe(s: DoctorSession): Promise<void> {
    const bytes = Buffer.from(this.env.canary.text.replace('doctor canary', 'doctor canary (zip batch)'), 'utf8')
    const zipped = await zipInMemory([{ name: this.zipKey, content: bytes }])
    const { body, contentType } = multipartBody([{ name: 'objects_zip', value: zipped, filename: 'objects.zip', contentType: 'application/zip' }])
    const req: HttpRequest = {
      method: 'POST',
      url: this.ksPath('/objects/batch'),
      // Never auto-delete: that would let StackSpot remove the user's zip-synced docs.
      query: { 'auto-delete': 'false' },
      operation: `upload a zip of one canary to Knowledge Source "${this.slug}"`,
      headers: { 'content-type': contentType },
      body,
      accept: [400, 404, 405, 413, 415, 422]
    }
    this.zipSent = true
    const res = await this.http.request(req)
    s.observe('stackspot.zip_answer', { status: res.status, body: describeShape(jsonBody(res)) })
    if (res.status === 404 || res.status === 405) {
      this.zipSent = false
      s.observe('stackspot.zip_batch', 'unsupported')
      s.held('zip-batch', `not supported here (HTTP ${res.status})`, 'the sync uploads docs one by one')
      return
    }
    if (res.status >= 400) {
      this.zipSent = false
      s.observe('stackspot.zip_batch', 'refused')
      s.notHeld('zip-batch', `refused: ${this.http.failure(req, res).message}`, 'the action then uploads those docs one by one')
      return
    }
    s.wrote('canary file (zip batch)', this.zipKey)
    let attempts = 0
    const { value: found, ms } = await pollUntil(
      async () => {
        attempts++
        const mine = await this.canaryObjects(this.isZipCanary)
        return mine.length > 0 ? mine : undefined
      },
      { waitMs: this.env.waitMs, firstMs: this.env.pollMs }
    )
    if (!found) {
      s.observe('stackspot.zip_batch', 'accepted, never listed')
      s.notHeld(
        'zip-batch',
        `HTTP ${res.status}, but its file was not listed within ${duration(ms)}`,
        'the action uploads docs one by one after a minute without progress'
      )
      return
    }
    this.zipSeen = true
    // 202 says so itself; a 200 whose file is not listed at once is asynchronous all the same.
    const mode = res.status === 202 || attempts > 1 ? 'asynchronous' : 'synchronous'
    s.observe('stackspot.zip_batch', mode)
    const when = attempts === 1 ? 'listed right after the answer' : `listed after ${duration(ms)}`
    const path = String(found[0]!.file_path)
    if (path.replace(/^\/+/, '') === this.zipKey) s.held('zip-batch', `supported, ${mode}: HTTP ${res.status}, ${when}`)
    else s.notHeld('zip-batch', `supported, ${mode} (HTTP ${res.status}, ${when}), but the file is listed as "${path}"`)
  }

  async cleanUp(_store: unknown, s: DoctorSession): Promise<Leftover[]> {
    const leftovers: Leftover[] = []
    const waitMs = Math.min(this.env.waitMs, CLEANUP_WAIT_MS)
    // A run that stopped half-way may have a canary still on its way into the listing: wait for it, so it can be deleted.
    let fileSettled = true
    if (this.bytesSent && this.processing === undefined && this.uploadId) {
      const waited = await pollUntil(
        async () => {
          const status = await this.status().catch(() => undefined)
          if (status && statusKind(status.status) !== 'pending') return true
          return (await this.canaryObjects(this.isFileCanary)).length > 0 ? true : undefined
        },
        { waitMs, firstMs: this.env.pollMs }
      )
      fileSettled = waited.value === true
    }
    if (this.zipSent && !this.zipSeen) {
      const { value } = await pollUntil(async () => ((await this.canaryObjects(this.isZipCanary)).length > 0 ? true : undefined), {
        waitMs,
        firstMs: this.env.pollMs
      })
      this.zipSeen = value === true
      if (!value) {
        leftovers.push({
          what: 'canary file (zip batch)',
          id: this.zipKey,
          how: `StackSpot took the zip but had not listed its file after ${duration(waitMs)}; if an object with file_path ${this.zipKey} appears, delete it in the StackSpot portal`
        })
      }
    }
    const targets = await this.canaryObjects(this.isAnyCanary)
    if (!fileSettled && !targets.some(this.isFileCanary)) {
      leftovers.push({
        what: 'canary file (per-file upload)',
        id: `upload ${this.uploadId}`,
        how: `StackSpot was still processing it after ${duration(waitMs)}; if an object with file_path ${this.env.canary.key} appears, delete it in the StackSpot portal`
      })
    }
    const listed = async () => (await this.canaryObjects(this.isAnyCanary)).map((o) => ({ id: String(o.id), name: String(o.file_path) }))
    leftovers.push(
      ...(await removeCanaries(
        {
          ids: targets.map((o) => String(o.id)),
          deleteOne: async (id) => {
            await this.http.request({
              method: 'DELETE',
              url: this.ksPath(`/objects/${pathSegment(id, 'object id')}`),
              operation: `delete canary object ${id}`,
              accept: [404]
            })
          },
          listed,
          check: 'delete-object',
          noun: ['canary object', 'canary objects'],
          what: (o) => `canary object (${o.name})`,
          byHand: (id) => `delete it in the StackSpot portal, or with DELETE ${this.ksPath(`/objects/${id}`)}`,
          waitMs: this.env.waitMs,
          pollMs: this.env.pollMs
        },
        s
      ))
    )
    return leftovers
  }
}

/** Why the action cannot read this listed object, or undefined when it can. */
function oddObject(item: unknown): string | undefined {
  if (!isRecord(item)) return `an item that is ${describeShape(item)}, not an object`
  if (!(typeof item.id === 'string' && item.id !== '') && typeof item.id !== 'number') return 'no id'
  const unsafe = unsafeSegment(String(item.id))
  if (unsafe) return `its id cannot be used in a URL (${unsafe})`
  for (const field of ['file_path', 'checksum'] as const) {
    const v = item[field]
    if (v !== undefined && v !== null && typeof v !== 'string') return `${field} is ${typeof v}`
  }
  if (item.standalone !== undefined && item.standalone !== null && typeof item.standalone !== 'boolean') return `standalone is ${typeof item.standalone}`
  return undefined
}
