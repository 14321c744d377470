/**
 * Sources: list, add a URL or a file (pre-signed PUT served here), enqueue, re-ingest, delete;
 * and the RAG job status.
 */
import { createHash } from 'node:crypto'
import { EmuError, type Router } from '../../framework.ts'
import { err, publicSource, type TelzinoStore } from './state.ts'

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

export function registerSourceRoutes(router: Router, store: TelzinoStore): void {
  router.add('GET', '/telzino/v1/knowledge-bases/:kb/sources', (req) => {
    store.auth(req)
    const kb = store.kbOr404(req.params.kb!)
    for (const job of store.jobs.values()) store.jobView(job)
    return { status: 200, json: { data: store.sources.filter((s) => s.knowledge_base_id === kb.id).map(publicSource) } }
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
      if (dup) throw err(409, 'duplicate_source', 'A file with the same content already exists in this knowledge base', { sourceId: dup.id })
    }
    const s = store.source(kb, { name: b.fileName, fileMime: b.fileMime, fileSize: b.fileSize, contentHash: b.contentHash ?? null })
    const job = store.newJob(s.id, Boolean(store.ctx.faults.take('telzino-job-fail', b.fileName)), false)
    const key = `rag/${kb.organization_id}/${kb.id}/${s.id}/original`
    return {
      status: 201,
      json: {
        data: {
          presignedUrl: `${store.ctx.baseUrl()}/telzino/s3/${s.id}?X-Amz-Signature=${createHash('sha256').update(s.id).digest('hex')}`,
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
