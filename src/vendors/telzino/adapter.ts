/**
 * (Over 350 lines: the upload's create → PUT → enqueue → wait → replace steps read best together.)
 * Telzino knowledge-base sources. Each doc is one file source named `<namespace>/<key>` (the
 * namespace is the repository `owner/name` by default): the prefix is how the action knows its own
 * sources (a file uploaded by hand has a plain file name) and keeps repositories sharing a
 * knowledge base apart. URL sources are never touched
 * except the ones listed in `url-sources`, which are added or re-ingested. Docs: docs/telzino.md.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { readDoc } from '../../docs/read.js'
import type { LocalDoc } from '../../docs/types.js'
import { ActionError, VendorHttpError, errorMessage } from '../../errors.js'
import { HttpClient, staticTokens, type HttpResponse, type TokenSource } from '../../http.js'
import type { Log } from '../../log.js'
import { pathSegment } from '../../path-segment.js'
import { keyInNamespace, otherNamespaces } from '../../namespace.js'
import { registerSecret } from '../../secrets.js'
import { writeUnlessLanded } from '../lost-answer.js'
import { checkUploadUrl } from '../../upload-url.js'
import type { RemoteDoc, RemoveResult, StoreInfo, UploadResult, VendorAdapter, VendorDeps } from '../types.js'
import { telzinoTokens } from './auth.js'
import { FileCreated, JobStatus, KbCreated, KbList, UrlCreated, type Kb, type Source } from './schema.js'
import type { TelzinoSettings } from './settings.js'
import { duplicateAnswer, listSources } from './sources.js'

/** The types Telzino ingests (its docs: PDF, DOCX, TXT, HTML, CSV, Markdown), by extension. */
const MIME_BY_EXTENSION: Record<string, string> = {
  md: 'text/markdown',
  markdown: 'text/markdown',
  mdx: 'text/markdown',
  txt: 'text/plain',
  html: 'text/html',
  htm: 'text/html',
  csv: 'text/csv',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function mimeFor(path: string): string | undefined {
  const ext = /\.([^./]+)$/.exec(path)?.[1]?.toLowerCase()
  return ext ? MIME_BY_EXTENSION[ext] : undefined
}

/** One RemoteDoc per doc key among the file sources named `<namespace>/<key>`; every other source is not ours. */
export function ownedSources(sources: readonly Pick<Source, 'id' | 'name' | 'source_type'>[], namespace: string): RemoteDoc[] {
  const byKey = new Map<string, string[]>()
  for (const s of sources) {
    const key = s.source_type === 'file' && s.name ? keyInNamespace(namespace, s.name) : undefined
    if (key === undefined) continue
    byKey.set(key, [...(byKey.get(key) ?? []), s.id])
  }
  // Telzino lists no content hash: a doc's digest is learned when an upload is refused as a duplicate.
  return [...byKey].map(([key, ids]) => ({ key, ids }))
}

export class TelzinoAdapter implements VendorAdapter {
  readonly id = 'telzino'
  readonly displayName = 'Telzino'
  readonly maxFileBytes = 50 * 1024 * 1024
  private readonly api: HttpClient
  /** Pre-signed uploads carry their own signature: this client has no token at all. */
  private readonly storage: HttpClient
  private readonly tokens: TokenSource
  private readonly settings: TelzinoSettings
  private readonly log: Log
  private readonly namespace: string
  /** `<namespace>/`: the name prefix of every source this action creates. */
  private readonly namePrefix: string
  private kbId = ''
  /** Source ids already reported as unusable in a URL, so each listing does not warn again. */
  private readonly reportedIds = new Set<string>()
  /** Every file source's name as listOwned saw them, for otherNamespaces. */
  private fileNames: string[] = []
  /**
   * Every source id a listing showed in this run, and every id this run's creates made: a create
   * answered with one of them is a duplicate handed back, not a new source (whose "old" copy must
   * then not be deleted). Listed ids are kept apart because uploads run concurrently: a listing
   * taken while a create is in flight may already show the source that create is making, so only
   * ids listed before the create was sent can prove an answer is a duplicate.
   */
  private readonly listedIds = new Set<string>()
  private readonly createdIds = new Set<string>()
  /** Set once a created source was listed under the name sent; until then each create checks it. */
  private namesChecked = false
  /** Why no more uploads are tried (the names assumption failed), once it is known. */
  private blocked: string | undefined

  constructor(settings: TelzinoSettings, deps: Pick<VendorDeps, 'log' | 'namespace' | 'tokenCache'>) {
    this.settings = settings
    this.log = deps.log
    this.namespace = deps.namespace
    this.namePrefix = `${deps.namespace}/`
    if (settings.apiKey) registerSecret(settings.apiKey)
    this.tokens = settings.apiKey
      ? staticTokens(settings.apiKey)
      : telzinoTokens(deps.tokenCache, { clientId: settings.clientId, clientSecret: settings.clientSecret, authUrl: settings.authUrl }, deps.log)
    const hintFor = (status: number) =>
      status === 401
        ? `Check ${settings.apiKey ? '`api-key` (a Telzino access token, which expires)' : '`client-id` and `client-secret`'}.`
        : status === 403
          ? 'The credential may not use knowledge bases here: the feature is enabled per Telzino account.'
          : undefined
    this.api = new HttpClient({ vendor: 'Telzino', baseUrl: settings.apiUrl, tokens: this.tokens, log: deps.log, hintFor })
    this.storage = new HttpClient({ vendor: 'Telzino storage', baseUrl: settings.apiUrl, log: deps.log })
  }

  rejects(doc: LocalDoc): string | undefined {
    if (mimeFor(doc.path)) return undefined
    return 'is not a type Telzino ingests (Markdown, text, HTML, CSV, PDF, DOCX)'
  }

  async authenticate(): Promise<void> {
    await this.tokens.token()
  }

  async ensureStore(opts: { create: boolean; dryRun: boolean }): Promise<StoreInfo> {
    const wanted = this.settings.knowledgeBase
    if (UUID.test(wanted)) {
      // A KB id: its source list answers 404 when it does not exist.
      const res = await this.api.request({ method: 'GET', url: this.kbPath(wanted, '/sources'), operation: `open knowledge base ${wanted}`, accept: [404] })
      if (res.status === 404) {
        throw new ActionError(
          `Telzino knowledge base ${wanted} does not exist.`,
          'Check `knowledge-base`, or give a name with `organization-id` so the action can create it.'
        )
      }
      this.kbId = wanted
      await this.keepUrlSources(opts.dryRun)
      return { id: wanted, name: wanted, created: false, exists: true }
    }
    const org = this.settings.organizationId
    if (!org) {
      throw new ActionError(
        `\`knowledge-base\` "${wanted}" is a name, and finding a Telzino knowledge base by name needs its organization.`,
        'Add `organization-id`, or give the knowledge base id (a UUID).'
      )
    }
    const found = await this.findKb(org, wanted)
    if (found) {
      this.kbId = found.id
      await this.keepUrlSources(opts.dryRun)
      return { id: found.id, name: found.name, created: false, exists: true }
    }
    if (!opts.create) {
      throw new ActionError(`Telzino knowledge base "${wanted}" does not exist in organization ${org}.`, 'Create it, or set `create-if-missing: true`.')
    }
    if (opts.dryRun) return { id: '-', name: wanted, created: false, exists: false }
    const description = this.settings.knowledgeBaseDescription || `Docs from ${this.namePrefix.slice(0, -1)}, kept in step by Knowledge Sync.`
    const req = {
      method: 'POST' as const,
      url: `/v1/organizations/${encodeURIComponent(org)}/knowledge-bases`,
      operation: `create knowledge base "${wanted}"`,
      json: { name: wanted, description },
      accept: [409]
    }
    // Names are unique in an organization: one found after a lost answer is the one asked for.
    const res = await writeUnlessLanded({
      write: () => this.api.request(req),
      landed: async () => {
        const kb = await this.findKb(org, wanted)
        return kb && { landedKb: kb }
      },
      what: req.operation,
      log: this.log
    })
    if ('landedKb' in res) {
      this.kbId = res.landedKb.id
    } else if (res.status === 409) {
      // Created meanwhile by a parallel run: names are unique in an organization.
      const again = await this.findKb(org, wanted)
      if (!again) throw this.api.failure(req, res)
      this.kbId = again.id
    } else {
      this.kbId = this.api.parse(req, res, KbCreated).data.id
    }
    await this.keepUrlSources(opts.dryRun)
    return { id: this.kbId, name: wanted, created: 'landedKb' in res || res.status !== 409, exists: true }
  }

  private async findKb(org: string, name: string): Promise<Kb | undefined> {
    const list = await this.api.json(
      { method: 'GET', url: `/v1/organizations/${encodeURIComponent(org)}/knowledge-bases`, operation: 'list knowledge bases' },
      KbList
    )
    return list.data.find((kb) => kb.name === name)
  }

  private kbPath(kb: string, suffix = ''): string {
    return `/v1/knowledge-bases/${pathSegment(kb, 'knowledge base id')}${suffix}`
  }

  private async sources(): Promise<Source[]> {
    const { sources, pages } = await listSources(this.api, this.kbPath(this.kbId, '/sources'), this.log, this.reportedIds)
    if (pages > 1) this.log.debug(`Telzino: the sources listing came in ${pages} pages, all read.`)
    for (const s of sources) this.listedIds.add(s.id)
    return sources
  }

  /** `url-sources`: added when missing, re-ingested when present (the site may have changed); never deleted. */
  private async keepUrlSources(dryRun: boolean): Promise<void> {
    if (this.settings.urlSources.length === 0) return
    if (dryRun) {
      this.log.info(`Dry run: would add or re-ingest ${this.settings.urlSources.length} URL sources.`)
      return
    }
    for (const url of this.settings.urlSources) {
      await this.api.json(
        {
          method: 'POST',
          url: this.kbPath(this.kbId, '/sources'),
          operation: `add or re-ingest the URL source ${url}`,
          json: { sourceType: 'url', url, forceReingest: true }
        },
        UrlCreated
      )
      this.log.info(`URL source ${url}: queued for ingestion.`)
    }
  }

  async listOwned(): Promise<RemoteDoc[]> {
    const sources = await this.sources()
    this.fileNames = sources.filter((s) => s.source_type === 'file' && s.name).map((s) => s.name!)
    return ownedSources(sources, this.namespace)
  }

  async otherNamespaces(keys: readonly string[]): Promise<string[]> {
    // A plain file name (uploaded by hand) equal to a key is not ours: only prefixed names count here.
    return otherNamespaces(this.namespace, this.fileNames, keys).filter((ns) => ns !== '')
  }

  async upload(doc: LocalDoc, previous: RemoteDoc | undefined): Promise<UploadResult> {
    if (this.blocked) throw new ActionError(`Not tried: ${this.blocked}`)
    const fileMime = mimeFor(doc.path)!
    const bytes = await readDoc(doc)
    const created = await this.createFileSource(doc, fileMime, previous)
    if (created === 'duplicate') return { detail: 'unchanged: Telzino already holds this content', unchanged: true }
    if (!this.namesChecked) await this.checkListedName(created.sourceId, doc.key)
    try {
      await this.putBytes(created.presignedUrl, bytes, fileMime, doc.key)
      await this.api.request({
        method: 'POST',
        url: `/v1/knowledge-sources/${pathSegment(created.sourceId, 'source id')}/enqueue`,
        operation: `start ingesting ${doc.key}`,
        json: { jobId: created.jobId, forceReindex: false },
        idempotent: true
      })
      await this.waitForJob(created.jobId, doc.key)
    } catch (error) {
      // The new source never became usable: remove it, so the old one stays the only copy.
      await this.deleteSource(created.sourceId, doc.key).catch((e: unknown) =>
        this.log.warning(`Telzino: could not remove the failed source of ${doc.key}: ${errorMessage(e)}`)
      )
      throw error
    }
    // Only now is the new version searchable; the old one can go.
    const leftovers: string[] = []
    for (const old of previous?.ids ?? []) {
      try {
        await this.deleteSource(old, doc.key)
      } catch (error) {
        leftovers.push(`the previous source ${old} could not be deleted: ${errorMessage(error)}`)
      }
    }
    return { detail: `source ${created.sourceId}`, leftovers }
  }

  /**
   * The action finds its sources by their names (`<namespace>/<key>`), which Telzino's docs call
   * the "original file name" without saying it is kept in full. A server that shortens it would
   * make every later run miss its own sources and add them again: the first source a run creates
   * is looked up, and when its name differs, it is deleted and the run stops.
   */
  private async checkListedName(sourceId: string, key: string): Promise<void> {
    const sent = this.namePrefix + key
    const listed = (await this.sources()).find((s) => s.id === sourceId)
    if (listed?.name === sent) {
      this.namesChecked = true
      return
    }
    await this.deleteSource(sourceId, key).catch((e: unknown) => this.log.warning(`Telzino: could not remove the new source of ${key}: ${errorMessage(e)}`))
    this.blocked = `Telzino lists a new source under ${listed ? `the name ${JSON.stringify(listed.name ?? '')}` : 'no name the action can find'}, not under the \`fileName\` sent (${JSON.stringify(sent)}).`
    throw new ActionError(
      `${this.blocked} The action assumes a source keeps the name it was created with: that is how later runs find their own sources, so it cannot sync without duplicating them.`,
      'That source was deleted again and nothing else was written. Report this to the maintainers of Knowledge Sync with the names above.'
    )
  }

  /**
   * Creates the file source. Telzino refuses a file whose hash the KB already holds (409): when that
   * is this doc's one source, the doc is unchanged; otherwise (a copy under another path, or two
   * sources left by an interrupted run) the same bytes are sent again with `forceReingest`.
   */
  private async createFileSource(doc: LocalDoc, fileMime: string, previous: RemoteDoc | undefined): Promise<FileCreated['data'] | 'duplicate'> {
    const body = { sourceType: 'file', fileName: this.namePrefix + doc.key, fileMime, fileSize: doc.size, contentHash: doc.digests.md5 }
    const req = {
      method: 'POST' as const,
      url: this.kbPath(this.kbId, '/sources'),
      operation: `create the source for ${doc.key}`,
      json: body,
      accept: [400, 409]
    }
    let known = this.knownBefore()
    const res = await this.createUnlessLanded(
      () => {
        known = this.knownBefore()
        return this.api.request(req)
      },
      doc,
      previous
    )
    const dup = duplicateAnswer(res, known())
    if (!dup && res.status >= 400) {
      throw this.api.failure(
        req,
        res,
        res.status === 400
          ? 'if this is how Telzino refuses content it already holds, the action did not recognise it (it expects 409, or a message saying so)'
          : undefined
      )
    }
    if (!dup) return this.created(this.api.parse(req, res, FileCreated).data)
    if (res.status !== 409)
      this.log.debug(`Telzino answered a duplicate contentHash of ${doc.key} with HTTP ${res.status}${dup.sourceId ? `, naming source ${dup.sourceId}` : ''}.`)
    const duplicateOf = dup.sourceId
    const isThisDoc = previous?.ids.length === 1 && (duplicateOf === undefined || duplicateOf === previous.ids[0])
    if (isThisDoc) return 'duplicate'
    const forced = await this.createUnlessLanded(
      () => {
        known = this.knownBefore()
        return this.api.request({ ...req, json: { ...body, forceReingest: true }, accept: [] })
      },
      doc,
      previous
    )
    const created = this.api.parse(req, forced, FileCreated).data
    if (known().has(created.sourceId)) {
      throw new ActionError(
        `Telzino answered a create with \`forceReingest\` for ${doc.key} with source ${created.sourceId}, which already holds the same content under another name.`,
        'The action assumes `forceReingest` makes a new source; it made none, and nothing was changed for this doc.'
      )
    }
    return this.created(created)
  }

  /** Records a source this run's create made, so a later create handed it back sees a duplicate. */
  private created(data: FileCreated['data']): FileCreated['data'] {
    this.createdIds.add(data.sourceId)
    return data
  }

  /**
   * The ids that prove a create's answer is a duplicate, fixed when the create is sent: the ids
   * listed so far, and (read when asked) the ids of every source this run's creates made.
   */
  private knownBefore(): () => ReadonlySet<string> {
    const listed = new Set(this.listedIds)
    return () => new Set([...listed, ...this.createdIds])
  }

  /**
   * Sends a create, and when its answer is lost, looks for the source it may have made. That
   * source is of no use (its upload URL and job id were in the lost answer) and would make the
   * next create a duplicate of its hash, so it is deleted before the create is sent once more.
   */
  private async createUnlessLanded(create: () => Promise<HttpResponse>, doc: LocalDoc, previous: RemoteDoc | undefined): Promise<HttpResponse> {
    return writeUnlessLanded<HttpResponse, never>({
      write: create,
      landed: async () => {
        const name = this.namePrefix + doc.key
        const strays = (await this.sources()).filter((s) => s.source_type === 'file' && s.name === name && !previous?.ids.includes(s.id))
        for (const stray of strays) await this.deleteSource(stray.id, doc.key)
        if (strays.length > 0) this.log.info(`Telzino: removed ${strays.length} source(s) of ${doc.key} left by a create whose answer was lost.`)
        return undefined
      },
      what: `create the source for ${doc.key}`,
      log: this.log
    })
  }

  private async putBytes(url: string, bytes: Buffer, fileMime: string, key: string): Promise<void> {
    await checkUploadUrl(url, `the upload URL Telzino gave for ${key}`)
    const put = (contentType: boolean) =>
      this.storage.request({
        method: 'PUT',
        url,
        operation: `upload ${key} to storage`,
        headers: contentType ? { 'content-type': fileMime } : {},
        body: bytes,
        auth: false,
        accept: contentType ? [403] : []
      })
    const res = await put(true)
    // A URL signed without a Content-Type refuses one (403): send the bytes once more without it.
    if (res.status === 403) await put(false)
  }

  private async waitForJob(jobId: string, key: string): Promise<void> {
    const deadline = Date.now() + this.settings.processingTimeoutSeconds * 1000
    let wait = 200
    for (;;) {
      const job = await this.api.json(
        { method: 'GET', url: `/v1/rag/jobs/${pathSegment(jobId, 'job id')}`, operation: `check the ingestion of ${key}` },
        JobStatus
      )
      const status = job.data.status.toLowerCase()
      if (status === 'complete' || status === 'completed') return
      if (status === 'failed' || status === 'error') {
        throw new VendorHttpError({
          vendor: 'Telzino',
          operation: `ingest ${key}`,
          detail: `the ingestion job failed: ${job.data.error_text ?? 'no reason given'}`
        })
      }
      if (Date.now() + wait > deadline) {
        throw new VendorHttpError({
          vendor: 'Telzino',
          operation: `ingest ${key}`,
          detail: `still ${status} after ${this.settings.processingTimeoutSeconds} s; raise \`processing-timeout\` if Telzino is slow today`
        })
      }
      await sleep(wait)
      wait = Math.min(3_000, Math.round(wait * 1.5))
    }
  }

  /** Deletes a source; a 404 counts only once the listing confirms the source is gone. */
  private async deleteSource(sourceId: string, key: string): Promise<void> {
    const res = await this.api.request({
      method: 'DELETE',
      url: `/v1/knowledge-sources/${pathSegment(sourceId, 'source id')}`,
      operation: `delete the source of ${key}`,
      accept: [404]
    })
    if (res.status !== 404) return
    if ((await this.sources()).some((s) => s.id === sourceId)) {
      throw new ActionError(
        `Telzino answered the delete of source ${sourceId} (${key}) with 404, yet still lists it: it was not deleted.`,
        'Delete it in Telzino, or re-run later.'
      )
    }
  }

  async remove(remote: RemoteDoc): Promise<RemoveResult> {
    for (const sourceId of remote.ids) await this.deleteSource(sourceId, remote.key)
    return { action: 'deleted', detail: remote.ids.length === 1 ? `source ${remote.ids[0]}` : `${remote.ids.length} sources` }
  }
}
