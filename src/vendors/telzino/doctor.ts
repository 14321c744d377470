/**
 * `mode: doctor` for Telzino. The docs leave open whether the sources listing pages, what a
 * duplicate `contentHash` is answered with, whether a source's name is kept in full (the action
 * finds its sources by the repository prefix of their names) and which status words a source
 * goes through (NOTES §4). One canary file source, and a second create with the same hash, show it.
 */
import { removeCanaries } from '../../doctor/cleanup.js'
import { describeShape, jsonBody, readAllPages } from '../../doctor/paging.js'
import { duration, pollUntil } from '../../doctor/poll.js'
import type { DoctorSession } from '../../doctor/session.js'
import type { DoctorEnv, VendorDoctor } from '../../doctor/contract.js'
import type { Assumption, Leftover } from '../../doctor/types.js'
import { HttpClient, isRecord, staticTokens, type HttpRequest } from '../../http.js'
import { registerSecret } from '../../secrets.js'
import { pathSegment, unsafeSegment } from '../../path-segment.js'
import { checkUploadUrl } from '../../upload-url.js'
import type { StoreInfo } from '../types.js'
import { telzinoTokens } from './auth.js'
import { telzinoSettings } from './settings.js'

const ASSUMPTIONS: readonly Assumption[] = [
  {
    id: 'sources-listing',
    text: 'The sources listing can be read to its end: one answer, or pages of the documented `pagination` followed',
    source: '[gap] NOTES §4(b)'
  },
  { id: 'source-fields', text: 'Every listed source has an `id`, and its `name` is text', source: '[doc] TZ-SRC' },
  { id: 'put-content-type', text: 'The pre-signed PUT takes the bytes with `Content-Type` set to the file type', source: '[gap] NOTES §4(f)' },
  { id: 'job-states', text: 'An ingestion job ends in `complete` (or `completed`), a failure in `failed`', source: '[doc] TZ-JOB' },
  { id: 'source-name', text: 'The listed source `name` is the `fileName` sent, in full (it carries the repository prefix)', source: '[gap]' },
  {
    id: 'duplicate-hash',
    text: 'Creating a file source whose `contentHash` the knowledge base already holds is refused with 409, or answered with the existing source',
    source: '[doc] duplicates detected; status [gap]'
  },
  { id: 'delete-source', text: '`DELETE /v1/knowledge-sources/{id}` removes the source from the listing', source: '[doc] TZ-ACT' }
]

const DONE = new Set(['complete', 'completed'])
const FAILED = new Set(['failed', 'error'])
const PENDING = new Set(['queued', 'processing'])
const MIME = 'text/markdown'

type Source = Record<string, unknown>

export function telzinoDoctor(env: DoctorEnv): VendorDoctor {
  return new TelzinoDoctor(env)
}

class TelzinoDoctor implements VendorDoctor {
  readonly assumptions = ASSUMPTIONS
  private readonly env: DoctorEnv
  private readonly api: HttpClient
  /** Pre-signed uploads carry their own signature: this client has no token at all. */
  private readonly storage: HttpClient
  private readonly duplicateKey: string
  private readonly created = new Set<string>()

  constructor(env: DoctorEnv) {
    this.env = env
    const settings = telzinoSettings(env.settings)
    if (settings.apiKey) registerSecret(settings.apiKey)
    const tokens = settings.apiKey
      ? staticTokens(settings.apiKey)
      : telzinoTokens(env.tokenCache, { clientId: settings.clientId, clientSecret: settings.clientSecret, authUrl: settings.authUrl }, env.log)
    this.api = new HttpClient({ vendor: 'Telzino', baseUrl: settings.apiUrl, tokens, log: env.log })
    this.storage = new HttpClient({ vendor: 'Telzino storage', baseUrl: settings.apiUrl, log: env.log })
    this.duplicateKey = `${env.canary.stem}-duplicate.md`
  }

  private async sources(kb: string): Promise<Awaited<ReturnType<typeof readAllPages>>> {
    return readAllPages(async (page) => {
      const res = await this.api.request({
        method: 'GET',
        url: `/v1/knowledge-bases/${pathSegment(kb, 'knowledge base id')}/sources`,
        query: page ? { page: page.number, limit: page.size } : undefined,
        operation: `list the sources of the knowledge base${page ? ` (page ${page.number})` : ''}`
      })
      return jsonBody(res)
    })
  }

  private async canarySources(kb: string): Promise<Source[]> {
    return (await this.sources(kb)).items.filter(
      (x): x is Source => isRecord(x) && (this.created.has(String(x.id)) || (typeof x.name === 'string' && x.name.includes(this.env.canary.runId)))
    )
  }

  async list(store: StoreInfo, s: DoctorSession): Promise<void> {
    const read = await this.sources(store.id)
    Object.assign(s.listing, { total: read.items.length, pages: read.pages, paged: read.paged, followedToEnd: read.followedToEnd, note: read.note })
    if (!read.paged) s.held('sources-listing', read.note)
    else if (read.followedToEnd) s.held('sources-listing', `paged: ${read.note}`, 'the action follows the pages too')
    else s.notHeld('sources-listing', `paged: ${read.note}`, 'the action stops with an error rather than sync from part of the listing')
    const odd = read.items.map((x) => ({ x, why: oddSource(x) })).filter((o): o is { x: unknown; why: string } => o.why !== undefined)
    for (const { x, why } of odd) s.listing.odd.push({ ...(isRecord(x) && x.id !== undefined ? { id: String(x.id) } : {}), why })
    if (read.items.length > 0) {
      if (odd.length === 0) s.held('source-fields', `all ${read.items.length} sources`)
      else s.notHeld('source-fields', `${odd.length} of ${read.items.length} sources are odd: ${[...new Set(odd.map((o) => o.why))].slice(0, 3).join('; ')}`)
    }
  }

  private createRequest(kb: string, fileName: string, accept: number[] = []): HttpRequest {
    const { canary } = this.env
    return {
      method: 'POST',
      url: `/v1/knowledge-bases/${pathSegment(kb, 'knowledge base id')}/sources`,
      operation: `create the source ${fileName}`,
      json: { sourceType: 'file', fileName, fileMime: MIME, fileSize: canary.bytes.length, contentHash: canary.digests.md5 },
      accept
    }
  }

  async canary(store: StoreInfo, s: DoctorSession): Promise<void> {
    const kb = store.id
    const { canary } = this.env
    const created = await s.step('Create the canary source', async () => {
      const res = await this.api.request(this.createRequest(kb, canary.key))
      const data = isRecord(jsonBody(res)) ? (jsonBody(res) as Source).data : undefined
      if (!isRecord(data) || typeof data.sourceId !== 'string' || typeof data.presignedUrl !== 'string' || typeof data.jobId !== 'string') {
        throw new Error(`the create answer is ${describeShape(jsonBody(res))}, without data.sourceId, data.presignedUrl and data.jobId`)
      }
      this.created.add(data.sourceId)
      s.wrote('canary source', data.sourceId)
      return { sourceId: data.sourceId, presignedUrl: data.presignedUrl, jobId: data.jobId }
    })

    await s.step('Upload the canary to storage', async () => {
      await checkUploadUrl(created.presignedUrl, `the upload URL Telzino gave for ${canary.key}`)
      const put = (contentType: boolean) =>
        this.storage.request({
          method: 'PUT',
          url: created.presignedUrl,
          operation: `upload ${canary.key} to storage`,
          headers: contentType ? { 'content-type': MIME } : {},
          body: canary.bytes,
          auth: false,
          accept: contentType ? [403] : []
        })
      const res = await put(true)
      if (res.status !== 403) return s.held('put-content-type', `HTTP ${res.status} with Content-Type: ${MIME}`)
      const again = await put(false)
      s.notHeld('put-content-type', `HTTP 403 with Content-Type, HTTP ${again.status} without`, 'the action retries without it')
    })

    await s.step('Start ingesting the canary', () =>
      this.api.request({
        method: 'POST',
        url: `/v1/knowledge-sources/${pathSegment(created.sourceId, 'source id')}/enqueue`,
        operation: `start ingesting ${canary.key}`,
        json: { jobId: created.jobId, forceReindex: false },
        idempotent: true
      })
    )

    await s.step('Wait for the ingestion job', () => this.waitForJob(kb, created.sourceId, created.jobId, s))
    await s.step('Find the canary source', async () => {
      const mine = (await this.canarySources(kb)).find((x) => String(x.id) === created.sourceId)
      if (!mine) {
        s.notHeld('source-name', 'the canary source is not listed')
        throw new Error(`the listing does not show source ${created.sourceId}`)
      }
      const name = typeof mine.name === 'string' ? mine.name : undefined
      if (name === canary.key) s.held('source-name', `"${name}"`)
      else
        s.notHeld(
          'source-name',
          `sent "${canary.key}", listed as ${name === undefined ? 'no name' : `"${name}"`}${name && canary.key.endsWith(name) ? ' (trimmed)' : ''}`,
          'the action cannot find its sources by name: its first upload stops the run, and the source it made is deleted'
        )
    })
    await s.step('Send the same content again', () => this.duplicateProbe(kb, created.sourceId, s))
  }

  private async waitForJob(kb: string, sourceId: string, jobId: string, s: DoctorSession): Promise<void> {
    const states: string[] = []
    const sourceStatuses: string[] = []
    const note = (list: string[], word: string) => {
      if (list.at(-1) !== word) list.push(word)
    }
    const { value, ms } = await pollUntil(
      async () => {
        const res = await this.api.request({
          method: 'GET',
          url: `/v1/rag/jobs/${pathSegment(jobId, 'job id')}`,
          operation: `check the ingestion of ${this.env.canary.key}`
        })
        const body = jsonBody(res)
        const data = isRecord(body) && isRecord(body.data) ? body.data : undefined
        if (!data || typeof data.status !== 'string') throw new Error(`the job answer is ${describeShape(body)}, without data.status`)
        note(states, data.status)
        const source = (await this.canarySources(kb)).find((x) => String(x.id) === sourceId)
        if (source && typeof source.status === 'string') note(sourceStatuses, source.status)
        const word = data.status.toLowerCase()
        if (DONE.has(word) || FAILED.has(word)) return { word, error: typeof data.error_text === 'string' ? data.error_text : undefined }
        // A word nobody documented: a source that is already active tells what it means.
        if (!PENDING.has(word) && source?.status === 'active') return { word, error: undefined, unknown: true }
        return undefined
      },
      { waitMs: this.env.waitMs, firstMs: this.env.pollMs }
    )
    s.observe('telzino.job_states', states)
    s.observe('telzino.source_status_words', sourceStatuses)
    const seen = states.join(' → ')
    if (!value) {
      if (!PENDING.has((states.at(-1) ?? '').toLowerCase())) s.notHeld('job-states', `${seen} for ${duration(ms)}`)
      throw new Error(`the ingestion job is still ${states.at(-1)} after ${duration(ms)} (processing-timeout)`)
    }
    if (value.unknown) return s.notHeld('job-states', `${seen}; the source was already active`, 'the action waits for `complete` until processing-timeout')
    s.held('job-states', seen)
    if (FAILED.has(value.word)) throw new Error(`Telzino could not ingest the canary: ${value.error ?? 'no reason given'}`)
  }

  private async duplicateProbe(kb: string, canaryId: string, s: DoctorSession): Promise<void> {
    const res = await this.api.request(this.createRequest(kb, this.duplicateKey, [400, 409, 422]))
    const body = jsonBody(res)
    const message = isRecord(body) ? String(body.message ?? body.error ?? '') : ''
    const named = isRecord(body)
      ? (body.sourceId ?? (isRecord(body.data) ? body.data.sourceId : undefined) ?? (isRecord(body.details) ? body.details.sourceId : undefined))
      : undefined
    s.observe('telzino.duplicate_answer', {
      status: res.status,
      body: describeShape(body),
      ...(message ? { message } : {}),
      ...(typeof named === 'string' ? { names_source: named === canaryId ? 'the canary' : named } : {})
    })
    if (res.status === 409) {
      s.held('duplicate-hash', `HTTP 409${message ? `: ${message}` : ''}${named === canaryId ? ' (naming the canary source)' : ''}`)
      return
    }
    if (res.status >= 400) {
      const recognised = res.status === 400 && /duplicate|already exists|already in|same content|content ?hash/i.test(message)
      s.notHeld(
        'duplicate-hash',
        `HTTP ${res.status}${message ? `: ${message}` : ''}`,
        recognised ? 'the action reads this message as "already there"; other words would fail its uploads' : 'the action would report this as a failed upload'
      )
      return
    }
    if (named === canaryId) {
      s.held('duplicate-hash', `HTTP ${res.status}, returning the existing source`, 'the action takes a known source handed back as "already there"')
      return
    }
    if (typeof named === 'string' && named !== canaryId) {
      this.created.add(named)
      s.wrote('duplicate source', named)
    }
    s.notHeld('duplicate-hash', `HTTP ${res.status}: accepted as a new source${typeof named === 'string' ? ` ${named}` : ''}`)
  }

  async cleanUp(store: StoreInfo, s: DoctorSession): Promise<Leftover[]> {
    const kb = store.id
    const listed = async () => (await this.canarySources(kb)).map((x) => ({ id: String(x.id), name: String(x.name) }))
    return removeCanaries(
      {
        // What this run created (a duplicate may be listed under another name) and every canary listed.
        ids: [...new Set([...this.created, ...(await listed()).map((x) => x.id)])],
        deleteOne: async (id) => {
          await this.api.request({
            method: 'DELETE',
            url: `/v1/knowledge-sources/${pathSegment(id, 'source id')}`,
            operation: `delete canary source ${id}`,
            accept: [404]
          })
        },
        listed,
        check: 'delete-source',
        noun: ['canary source', 'canary sources'],
        what: (x) => `canary source (${x.name})`,
        byHand: (id) => `delete it in Telzino, or with DELETE /v1/knowledge-sources/${id}`,
        waitMs: this.env.waitMs,
        pollMs: this.env.pollMs
      },
      s
    )
  }
}

/** Why the action cannot read this listed source, or undefined when it can. */
function oddSource(item: unknown): string | undefined {
  if (!isRecord(item)) return `an item that is ${describeShape(item)}, not an object`
  if (typeof item.id !== 'string' || item.id === '') return 'no id'
  const unsafe = unsafeSegment(String(item.id))
  if (unsafe) return `its id cannot be used in a URL (${unsafe})`
  if (item.name !== undefined && item.name !== null && typeof item.name !== 'string') return `name is ${typeof item.name}`
  return undefined
}
