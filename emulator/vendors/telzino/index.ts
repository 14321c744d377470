/**
 * Telzino knowledge-base sources, as shared/vendor-docs/telzino-knowledge-base-sources.txt and the
 * vendor notes describe them, under /telzino (api-url = <base>/telzino, auth-url =
 * <base>/telzino/oauth/token).
 *
 * Choices where the docs are silent:
 * - A duplicate (same `contentHash` among the KB's file sources, or the same URL) is 409
 *   `{error: "duplicate_source", message, sourceId}` unless `forceReingest` is true; a forced URL
 *   re-ingests the existing source, a forced file creates a new source.
 * - The pre-signed PUT must carry exactly `fileSize` bytes (Content-Length) and no Authorization.
 * - Enqueue before the bytes arrived is 400 `invalid_request`; jobs go queued → processing → complete
 *   (or failed) over `processingMs`.
 * - Source `status`: `pending` until its job completes, then `active`; `failed` when it failed.
 * Vendor faults: `telzino-job-fail` (match: file name) fails that file's job; `telzino-put-fail` answers
 * the next PUT with 500; `telzino-expire-tokens` expires every issued token.
 */
import { createHash, randomUUID } from 'node:crypto'
import { DEMO_ACCOUNTS } from '../../demo-accounts.ts'
import { EmuError, type EmuContext, type EmuRequest, type Router, type VendorEmulator } from '../../framework.ts'

const MAX_FILE_BYTES = 50 * 1024 * 1024
const MIME_TYPES = new Set([
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'text/plain',
  'text/html',
  'text/csv',
  'text/markdown',
  'text/x-markdown'
])

export interface TelzinoSource {
  id: string
  knowledge_base_id: string
  organization_id: string
  name: string
  source_type: 'url' | 'file'
  status: string
  url: string | null
  chunk_count: number
  last_synced_at: string | null
  created_at: string
  contentHash: string | null
  fileMime: string | null
  fileSize: number | null
  bytes: Buffer | null
}

interface Job {
  id: string
  sourceId: string
  enqueuedAt: number | null
  fail: boolean
}

interface Kb {
  id: string
  organization_id: string
  name: string
  description: string | null
  created_at: string
  updated_at: string
}

const err = (status: number, error: string, message: string, extra: Record<string, unknown> = {}) => new EmuError(status, { error, message, ...extra })

export function createTelzinoEmulator(): VendorEmulator {
  let ctx: EmuContext
  let clients = new Map<string, string>()
  let staticTokens = new Set<string>()
  let tokens = new Map<string, number>()
  let kbs: Kb[] = []
  let sources: TelzinoSource[] = []
  let jobs = new Map<string, Job>()

  function reset(): void {
    clients = new Map([[DEMO_ACCOUNTS.telzino.clientId, DEMO_ACCOUNTS.telzino.clientSecret]])
    staticTokens = new Set([DEMO_ACCOUNTS.telzino.accessToken])
    tokens = new Map()
    kbs = []
    sources = []
    jobs = new Map()
  }
  reset()

  function auth(req: EmuRequest): void {
    if (ctx.faults.take('telzino-expire-tokens')) for (const k of tokens.keys()) tokens.set(k, 0)
    const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))
    const token = m?.[1]
    if (token && staticTokens.has(token)) return
    const expires = token ? tokens.get(token) : undefined
    if (expires === undefined || expires <= Date.now()) throw err(401, 'unauthorized', 'Invalid or expired access token')
  }

  function jobView(job: Job) {
    const source = sources.find((s) => s.id === job.sourceId)
    const elapsed = job.enqueuedAt === null ? -1 : Date.now() - job.enqueuedAt
    let status = 'queued'
    if (elapsed >= ctx.processingMs) status = job.fail ? 'failed' : 'complete'
    else if (elapsed >= ctx.processingMs / 2) status = 'processing'
    if (source && status === 'complete' && source.status !== 'active') {
      source.status = 'active'
      source.chunk_count = Math.max(1, Math.ceil((source.bytes?.length ?? 1000) / 1000))
      source.last_synced_at = new Date().toISOString()
    }
    if (source && status === 'failed') source.status = 'failed'
    return {
      status,
      stage: status === 'queued' ? 'queued' : status === 'processing' ? 'embedding' : 'done',
      chunks_processed: status === 'complete' ? (source?.chunk_count ?? 0) : 0,
      chunks_total: source?.chunk_count ?? 0,
      error_text: status === 'failed' ? 'Could not extract text from the file' : null,
      source_id: job.sourceId
    }
  }

  function kbOr404(id: string): Kb {
    const kb = kbs.find((k) => k.id === id)
    if (!kb) throw err(404, 'not_found', 'Knowledge base not found')
    return kb
  }

  function newJob(sourceId: string, fail: boolean, enqueued: boolean): Job {
    const job: Job = { id: randomUUID(), sourceId, enqueuedAt: enqueued ? Date.now() : null, fail }
    jobs.set(job.id, job)
    return job
  }

  function source(kb: Kb, fields: Partial<TelzinoSource>): TelzinoSource {
    const s: TelzinoSource = {
      id: randomUUID(),
      knowledge_base_id: kb.id,
      organization_id: kb.organization_id,
      name: '',
      source_type: 'file',
      status: 'pending',
      url: null,
      chunk_count: 0,
      last_synced_at: null,
      created_at: new Date().toISOString(),
      contentHash: null,
      fileMime: null,
      fileSize: null,
      bytes: null,
      ...fields
    }
    sources.push(s)
    return s
  }

  const publicSource = ({ contentHash: _h, fileMime: _m, fileSize: _s, bytes: _b, ...rest }: TelzinoSource) => rest

  return {
    name: 'telzino',
    register(router: Router, context: EmuContext) {
      ctx = context
      router.add('POST', '/telzino/oauth/token', (req) => {
        const b = req.json() as Record<string, string>
        if (b.grant_type !== 'client_credentials') throw err(400, 'unsupported_grant_type', 'grant_type must be client_credentials')
        if (!b.client_id || clients.get(b.client_id) !== b.client_secret) throw err(401, 'access_denied', 'Unauthorized')
        const token = `tz_${randomUUID().replace(/-/g, '')}`
        tokens.set(token, Date.now() + ctx.tokenTtlSeconds * 1000)
        return { status: 200, json: { access_token: token, token_type: 'Bearer', expires_in: ctx.tokenTtlSeconds } }
      })
      router.add('GET', '/telzino/v1/organizations/:org/knowledge-bases', (req) => {
        auth(req)
        return { status: 200, json: { data: kbs.filter((k) => k.organization_id === req.params.org).map((k) => ({ ...k, source_count: sources.filter((s) => s.knowledge_base_id === k.id).length })) } }
      })
      router.add('POST', '/telzino/v1/organizations/:org/knowledge-bases', (req) => {
        auth(req)
        const b = req.json() as { name?: string; description?: string | null }
        if (typeof b.name !== 'string' || b.name.length < 1 || b.name.length > 255) throw err(400, 'invalid_request', 'name must be 1-255 characters')
        if (b.description && b.description.length > 2000) throw err(400, 'invalid_request', 'description must be at most 2000 characters')
        if (kbs.some((k) => k.organization_id === req.params.org && k.name === b.name)) throw err(409, 'conflict', 'A knowledge base with this name already exists')
        const now = new Date().toISOString()
        const kb: Kb = { id: randomUUID(), organization_id: req.params.org!, name: b.name, description: b.description ?? null, created_at: now, updated_at: now }
        kbs.push(kb)
        return { status: 201, json: { data: { ...kb, source_count: 0 } } }
      })
      router.add('PUT', '/telzino/v1/knowledge-bases/:kb', (req) => {
        auth(req)
        const kb = kbOr404(req.params.kb!)
        Object.assign(kb, req.json(), { updated_at: new Date().toISOString() })
        return { status: 200, json: { success: true } }
      })
      router.add('DELETE', '/telzino/v1/knowledge-bases/:kb', (req) => {
        auth(req)
        kbOr404(req.params.kb!)
        kbs = kbs.filter((k) => k.id !== req.params.kb)
        sources = sources.filter((s) => s.knowledge_base_id !== req.params.kb)
        return { status: 200, json: { success: true } }
      })
      router.add('GET', '/telzino/v1/knowledge-bases/:kb/sources', (req) => {
        auth(req)
        const kb = kbOr404(req.params.kb!)
        for (const job of jobs.values()) jobView(job)
        return { status: 200, json: { data: sources.filter((s) => s.knowledge_base_id === kb.id).map(publicSource) } }
      })
      router.add('POST', '/telzino/v1/knowledge-bases/:kb/sources', (req) => {
        auth(req)
        const kb = kbOr404(req.params.kb!)
        const b = req.json() as Record<string, any>
        if (b.sourceType === 'url') {
          if (typeof b.url !== 'string' || !/^https?:\/\//.test(b.url)) throw err(400, 'invalid_request', 'url must be an http(s) URL')
          const existing = sources.find((s) => s.knowledge_base_id === kb.id && s.source_type === 'url' && s.url === b.url)
          if (existing && !b.forceReingest) throw err(409, 'duplicate_source', 'A source with this URL already exists', { sourceId: existing.id })
          const s = existing ?? source(kb, { name: b.url, source_type: 'url', url: b.url })
          s.status = 'pending'
          return { status: 201, json: { data: { sourceId: s.id, jobId: newJob(s.id, false, true).id } } }
        }
        if (b.sourceType !== 'file') throw err(400, 'invalid_request', 'sourceType must be url or file')
        if (typeof b.fileName !== 'string' || b.fileName === '') throw err(400, 'invalid_request', 'fileName is required')
        if (!MIME_TYPES.has(b.fileMime)) throw err(400, 'invalid_request', `Unsupported fileMime ${b.fileMime}`)
        if (!Number.isInteger(b.fileSize) || b.fileSize < 0 || b.fileSize > MAX_FILE_BYTES) throw err(400, 'invalid_request', 'fileSize must be at most 50 MB')
        if (b.contentHash && !b.forceReingest) {
          const dup = sources.find((s) => s.knowledge_base_id === kb.id && s.source_type === 'file' && s.contentHash === b.contentHash && s.status !== 'failed')
          if (dup) throw err(409, 'duplicate_source', 'A file with the same content already exists in this knowledge base', { sourceId: dup.id })
        }
        const s = source(kb, { name: b.fileName, fileMime: b.fileMime, fileSize: b.fileSize, contentHash: b.contentHash ?? null })
        const job = newJob(s.id, Boolean(ctx.faults.take('telzino-job-fail', b.fileName)), false)
        const key = `rag/${kb.organization_id}/${kb.id}/${s.id}/original`
        return {
          status: 201,
          json: { data: { presignedUrl: `${ctx.baseUrl()}/telzino/s3/${s.id}?X-Amz-Signature=${createHash('sha256').update(s.id).digest('hex')}`, fileKey: key, sourceId: s.id, jobId: job.id } }
        }
      })
      router.add('PUT', '/telzino/s3/:id', (req) => {
        const s = sources.find((x) => x.id === req.params.id)
        if (!s || req.url.searchParams.get('X-Amz-Signature') !== createHash('sha256').update(s.id).digest('hex')) {
          throw new EmuError(403, '<Error><Code>SignatureDoesNotMatch</Code></Error>')
        }
        if (req.headers.authorization) throw new EmuError(400, '<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>')
        if (ctx.faults.take('telzino-put-fail', s.name)) throw new EmuError(500, '<Error><Code>InternalError</Code></Error>')
        const length = Number(req.headers['content-length'])
        if (!Number.isFinite(length) || length !== s.fileSize || req.body.length !== s.fileSize) {
          throw new EmuError(400, `<Error><Code>BadDigest</Code><Message>Expected ${s.fileSize} bytes</Message></Error>`)
        }
        s.bytes = req.body
        return { status: 200, body: '' }
      })
      router.add('POST', '/telzino/v1/knowledge-sources/:id/enqueue', (req) => {
        auth(req)
        const s = sources.find((x) => x.id === req.params.id)
        if (!s) throw err(404, 'not_found', 'Source not found')
        const b = req.json() as { jobId?: string }
        const job = b.jobId ? jobs.get(b.jobId) : undefined
        if (!job || job.sourceId !== s.id) throw err(400, 'invalid_request', 'jobId does not belong to this source')
        if (s.source_type === 'file' && !s.bytes) throw err(400, 'invalid_request', 'The file has not been uploaded yet')
        job.enqueuedAt ??= Date.now()
        return { status: 200, json: { success: true } }
      })
      router.add('POST', '/telzino/v1/knowledge-sources/:id/reingest', (req) => {
        auth(req)
        const s = sources.find((x) => x.id === req.params.id)
        if (!s) throw err(404, 'not_found', 'Source not found')
        s.status = 'pending'
        return { status: 200, json: { data: { jobId: newJob(s.id, false, true).id } } }
      })
      router.add('DELETE', '/telzino/v1/knowledge-sources/:id', (req) => {
        auth(req)
        if (!sources.some((x) => x.id === req.params.id)) throw err(404, 'not_found', 'Source not found')
        sources = sources.filter((x) => x.id !== req.params.id)
        return { status: 200, json: { success: true } }
      })
      router.add('GET', '/telzino/v1/rag/jobs/:jobId', (req) => {
        auth(req)
        const job = jobs.get(req.params.jobId!)
        if (!job) throw err(404, 'not_found', 'Job not found')
        return { status: 200, json: { data: jobView(job) } }
      })
    },
    state() {
      for (const job of jobs.values()) jobView(job)
      return {
        knowledgeBases: kbs.map((kb) => ({
          ...kb,
          sources: sources
            .filter((s) => s.knowledge_base_id === kb.id)
            .map(({ bytes, ...s }) => ({ ...s, size: bytes?.length ?? null, content: bytes && bytes.length <= 65536 ? bytes.toString('utf8') : null }))
        }))
      }
    },
    reset,
    seed(raw: unknown) {
      const b = raw as {
        clients?: Array<{ clientId: string; clientSecret: string }>
        accessTokens?: string[]
        knowledgeBases?: Array<{ id?: string; organization_id?: string; name: string; sources?: Array<Partial<TelzinoSource> & { content?: string }> }>
      }
      for (const c of b.clients ?? []) clients.set(c.clientId, c.clientSecret)
      for (const t of b.accessTokens ?? []) staticTokens.add(t)
      const made: Array<{ id: string; sources: string[] }> = []
      for (const k of b.knowledgeBases ?? []) {
        const now = new Date().toISOString()
        const kb = kbs.find((x) => x.id === k.id) ?? {
          id: k.id ?? randomUUID(),
          organization_id: k.organization_id ?? DEMO_ACCOUNTS.telzino.organizationId,
          name: k.name,
          description: null,
          created_at: now,
          updated_at: now
        }
        if (!kbs.includes(kb)) kbs.push(kb)
        const ids: string[] = []
        for (const s of k.sources ?? []) {
          const bytes = s.content !== undefined ? Buffer.from(s.content) : null
          const { content: _c, ...fields } = s
          ids.push(source(kb, { status: 'active', bytes, fileSize: bytes?.length ?? null, name: fields.url ?? fields.name ?? 'manual.pdf', ...fields }).id)
        }
        made.push({ id: kb.id, sources: ids })
      }
      return { knowledgeBases: made }
    }
  }
}
