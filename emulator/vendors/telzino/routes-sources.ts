/**
 * Sources: list, add a URL or a file (pre-signed PUT served here), enqueue, re-ingest, delete;
 * and the RAG job status.
 */
import { createHash } from 'node:crypto'
import { EmuError, type EmuResult, type Router } from '../../framework.ts'
import { err, publicSource, type TelzinoSource, type TelzinoStore } from './state.ts'

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

/** A file whose hash the KB already holds, answered as the `duplicateAnswer` setting says. */
function duplicate(store: TelzinoStore, dup: TelzinoSource): EmuResult {
  const message = 'A file with the same content already exists in this knowledge base'
  if (store.settings.duplicateAnswer === '409') throw err(409, 'duplicate_source', message, { sourceId: dup.id })
  if (store.settings.duplicateAnswer === '400') throw err(400, 'invalid_request', message)
  // The existing source, in the shape of a create: a client that takes it for a new one re-uploads and deletes the "old" one, itself.
  const job = store.newJob(dup.id, false, true)
  return {
    status: 200,
    json: {
      data: {
        presignedUrl: presignedUrl(store, dup.id),
        fileKey: `rag/${dup.organization_id}/${dup.knowledge_base_id}/${dup.id}/original`,
        sourceId: dup.id,
        jobId: job.id
      }
    }
  }
}

function presignedUrl(store: TelzinoStore, id: string): string {
  return `${store.ctx.baseUrl()}/telzino/s3/${id}?X-Amz-Signature=${createHash('sha256').update(id).digest('hex')}`
}

export function registerSourceRoutes(router: Router, store: TelzinoStore): void {
  router.add('GET', '/telzino/v1/knowledge-bases/:kb/sources', (req) => {
    store.auth(req)
    const kb = store.kbOr404(req.params.kb!)
    for (const job of store.jobs.values()) store.jobView(job)
    const all = store.sources.filter((s) => s.knowledge_base_id === kb.id).map(publicSource)
    const max = store.settings.sourcesPageSize
    if (max <= 0) return { status: 200, json: { data: all } }
    // The generic pagination of the API overview: `?page&limit`, answered with a `pagination` object.
    const page = Math.max(1, Number.parseInt(req.url.searchParams.get('page') ?? '1', 10) || 1)
    const limit = Math.min(max, Math.max(1, Number.parseInt(req.url.searchParams.get('limit') ?? String(max), 10) || max))
    const totalPages = Math.max(1, Math.ceil(all.length / limit))
    return {
      status: 200,
      json: {
        data: all.slice((page - 1) * limit, page * limit),
        pagination: { page, limit, total: all.length, totalPages, hasNext: page < totalPages, hasPrev: page > 1 }
      }
    }
  })
  router.add('POST', '/telzino/v1/knowledge-bases/:kb/sources', (req) => {
    store.auth(req)
    const kb = store.kbOr404(req.params.kb!)
    const b = req.json() as Record<string, any>
    if (b.sourceType === 'url') {
      if (typeof b.url !== 'string' || !/^https?:\/\//.test(b.url)) throw err(400, 'invalid_request', 'url must be an http(s) URL')
      const existing = store.sources.find((s) => s.knowledge_base_id === kb.id && s.source_type === 'url' && s.url === b.url)
      if (existing && !b.forceReingest) throw err(409, 'duplicate_source', 'A source with this URL already exists', { sourceId: existing.id })
      const s = existing ?? store.source(kb, { name: b.url, source_type: 'url', url: b.url })
      s.status = 'pending'
      return { status: 201, json: { data: { sourceId: s.id, jobId: store.newJob(s.id, false, true).id } } }
    }
    if (b.sourceType !== 'file') throw err(400, 'invalid_request', 'sourceType must be url or file')
    if (typeof b.fileName !== 'string' || b.fileName === '') throw err(400, 'invalid_request', 'fileName is required')
    if (!MIME_TYPES.has(b.fileMime)) throw err(400, 'invalid_request', `Unsupported fileMime ${b.fileMime}`)
    if (!Number.isInteger(b.fileSize) || b.fileSize < 0 || b.fileSize > MAX_FILE_BYTES) throw err(400, 'invalid_request', 'fileSize must be at most 50 MB')
    if (b.contentHash && !b.forceReingest) {
      const dup = store.sources.find(
        (s) => s.knowledge_base_id === kb.id && s.source_type === 'file' && s.contentHash === b.contentHash && s.status !== 'failed'
      )
      if (dup) return duplicate(store, dup)
    }
    const name = store.settings.sourceNames === 'base-name' ? (b.fileName.split('/').pop() ?? b.fileName).trim() : b.fileName
    const s = store.source(kb, { name, fileMime: b.fileMime, fileSize: b.fileSize, contentHash: b.contentHash ?? null })
    const job = store.newJob(s.id, Boolean(store.ctx.faults.take('telzino-job-fail', b.fileName)), false)
    const key = `rag/${kb.organization_id}/${kb.id}/${s.id}/original`
    return {
      status: 201,
      json: {
        data: {
          presignedUrl: presignedUrl(store, s.id),
          fileKey: key,
          sourceId: s.id,
          jobId: job.id
        }
      }
    }
  })
  router.add('PUT', '/telzino/s3/:id', (req) => {
    const s = store.sources.find((x) => x.id === req.params.id)
    if (!s || req.url.searchParams.get('X-Amz-Signature') !== createHash('sha256').update(s.id).digest('hex')) {
      throw new EmuError(403, '<Error><Code>SignatureDoesNotMatch</Code></Error>')
    }
    if (req.headers.authorization) throw new EmuError(400, '<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>')
    if (store.ctx.faults.take('telzino-put-fail', s.name)) throw new EmuError(500, '<Error><Code>InternalError</Code></Error>')
    const length = Number(req.headers['content-length'])
    if (!Number.isFinite(length) || length !== s.fileSize || req.body.length !== s.fileSize) {
      throw new EmuError(400, `<Error><Code>BadDigest</Code><Message>Expected ${s.fileSize} bytes</Message></Error>`)
    }
    s.bytes = req.body
    return { status: 200, body: '' }
  })
  router.add('POST', '/telzino/v1/knowledge-sources/:id/enqueue', (req) => {
    store.auth(req)
    const s = store.sources.find((x) => x.id === req.params.id)
    if (!s) throw err(404, 'not_found', 'Source not found')
    const b = req.json() as { jobId?: string }
    const job = b.jobId ? store.jobs.get(b.jobId) : undefined
    if (!job || job.sourceId !== s.id) throw err(400, 'invalid_request', 'jobId does not belong to this source')
    if (s.source_type === 'file' && !s.bytes) throw err(400, 'invalid_request', 'The file has not been uploaded yet')
    job.enqueuedAt ??= Date.now()
    return { status: 200, json: { success: true } }
  })
  router.add('POST', '/telzino/v1/knowledge-sources/:id/reingest', (req) => {
    store.auth(req)
    const s = store.sources.find((x) => x.id === req.params.id)
    if (!s) throw err(404, 'not_found', 'Source not found')
    s.status = 'pending'
    return { status: 200, json: { data: { jobId: store.newJob(s.id, false, true).id } } }
  })
  router.add('DELETE', '/telzino/v1/knowledge-sources/:id', (req) => {
    store.auth(req)
    if (!store.sources.some((x) => x.id === req.params.id)) throw err(404, 'not_found', 'Source not found')
    store.sources = store.sources.filter((x) => x.id !== req.params.id)
    return { status: 200, json: { success: true } }
  })
  router.add('GET', '/telzino/v1/rag/jobs/:jobId', (req) => {
    store.auth(req)
    const job = store.jobs.get(req.params.jobId!)
    if (!job) throw err(404, 'not_found', 'Job not found')
    return { status: 200, json: { data: store.jobView(job) } }
  })
}
