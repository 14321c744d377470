/** Entries: list (cursor), add in bulk, upload a document, crawl, job status, edit, delete, retry embedding. */
import type { Router } from '../../framework.ts'
import { api, findKb, requireWrite } from './auth.ts'
import { extractEntries, magicMatches, multipartFile } from './files.ts'
import { now, type StaffifyStore } from './state.ts'
import { afterParam, cursorOf, entryText, err, intParam, objectBody } from './validation.ts'

const BASE = '/staffify/v1'
const MAX_ENTRIES_PER_REQUEST = 100
const MAX_ENTRY_CHARS = 8_000
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024

export function registerEntryRoutes(router: Router, store: StaffifyStore): void {
  router.add(
    'GET',
    `${BASE}/knowledge-bases/:kbId/entries`,
    api(store, (req, caller) => {
      const kb = findKb(store, caller, req.params.kbId)
      const limit = intParam(req, 'limit', 50, 100)
      const after = afterParam(req)
      const rest = kb.entries.filter((e) => e.id > after).sort((a, b) => a.id - b.id)
      const page = rest.slice(0, limit)
      const hasMore = rest.length > limit
      return {
        status: 200,
        json: {
          entries: page.map((e) => store.publicEntry(e)),
          next_cursor: hasMore ? cursorOf(page.at(-1)!.id) : null,
          has_more: hasMore,
          total: kb.entries.length
        }
      }
    })
  )

  router.add(
    'POST',
    `${BASE}/knowledge-bases/:kbId/entries`,
    api(store, (req, caller) => {
      requireWrite(caller, true)
      const kb = findKb(store, caller, req.params.kbId)
      let body: unknown
      try {
        body = JSON.parse(req.text())
      } catch {
        throw err(400, 'VALIDATION_ERROR', 'Request body must be valid JSON')
      }
      if (!Array.isArray(body)) throw err(400, 'VALIDATION_ERROR', 'Request body must be an array of { q, a } objects')
      if (body.length === 0) throw err(400, 'VALIDATION_ERROR', 'At least one entry is required')
      if (body.length > MAX_ENTRIES_PER_REQUEST) {
        throw err(400, 'VALIDATION_ERROR', `At most ${MAX_ENTRIES_PER_REQUEST} entries per request (got ${body.length})`, { max: MAX_ENTRIES_PER_REQUEST })
      }
      const items = body.map((item, index) => {
        if (typeof item !== 'object' || item === null) throw err(400, 'VALIDATION_ERROR', `entries[${index}] must be an object with q and a`, { index })
        const q = entryText((item as Record<string, unknown>).q, 'q', index)
        const a = entryText((item as Record<string, unknown>).a, 'a', index)
        const { size, unit } = store.entrySize(q, a)
        if (size > MAX_ENTRY_CHARS) {
          throw err(400, 'VALIDATION_ERROR', `entries[${index}] exceeds ${MAX_ENTRY_CHARS} ${unit} combined (q + a = ${size})`, {
            index,
            max: MAX_ENTRY_CHARS
          })
        }
        return { q, a }
      })
      const cap = caller.org.entryCap
      const count = store.orgEntryCount(caller.org.id)
      if (cap !== undefined && count + items.length > cap) {
        throw err(403, 'PLAN_LIMIT_REACHED', `Plan entry limit reached: your organization has ${count} entries and your plan allows ${cap}.`, {
          current: count,
          cap
        })
      }
      for (const item of items) kb.entries.push(store.newEntry(item.q, item.a, 'manual'))
      kb.updated_at = now()
      return { status: 201, json: { added: items.length } }
    })
  )

  router.add(
    'POST',
    `${BASE}/knowledge-bases/:kbId/entries/upload`,
    api(store, (req, caller) => {
      requireWrite(caller, true)
      const kb = findKb(store, caller, req.params.kbId)
      const file = multipartFile(req)
      if (!file) throw err(400, 'VALIDATION_ERROR', 'No file uploaded')
      const ext = /\.([A-Za-z0-9]+)$/.exec(file.filename)?.[1]?.toLowerCase() ?? ''
      if (!['pdf', 'docx', 'doc', 'txt'].includes(ext)) throw err(400, 'VALIDATION_ERROR', 'Unsupported file type (must be pdf, docx, doc, or txt)')
      if (file.data.length > MAX_UPLOAD_BYTES) throw err(400, 'VALIDATION_ERROR', 'File exceeds 50 MB limit')
      if (!magicMatches(ext, file.data)) throw err(400, 'VALIDATION_ERROR', 'File content does not match its declared type')
      const fault = store.takeFault('staffify-upload-fail', file.filename)
      const job = store.queueJob(
        kb,
        'upload',
        extractEntries(file.filename, ext, file.data),
        file.filename,
        fault ? String(fault.data?.error ?? 'Document parsing failed') : undefined
      )
      return { status: 202, json: { job_id: job.job_id, status: 'queued' } }
    })
  )

  router.add(
    'POST',
    `${BASE}/knowledge-bases/:kbId/entries/crawl`,
    api(store, (req, caller) => {
      requireWrite(caller, true)
      const kb = findKb(store, caller, req.params.kbId)
      const body = objectBody(req)
      if (typeof body.url !== 'string' || !/^https?:\/\//.test(body.url)) throw err(400, 'VALIDATION_ERROR', 'url is required and must be an http(s) URL')
      const maxPages = body.max_pages ?? 50
      const maxDepth = body.max_depth ?? 2
      if (!Number.isInteger(maxPages) || (maxPages as number) < 1 || (maxPages as number) > 500) throw err(400, 'VALIDATION_ERROR', 'max_pages must be 1–500')
      if (!Number.isInteger(maxDepth) || (maxDepth as number) < 1 || (maxDepth as number) > 5) throw err(400, 'VALIDATION_ERROR', 'max_depth must be 1–5')
      const job = store.queueJob(kb, 'crawl', [{ q: `What is on ${body.url}?`, a: `Crawled content of ${body.url}.` }])
      return { status: 202, json: { job_id: job.job_id, status: 'queued' } }
    })
  )

  router.add(
    'GET',
    `${BASE}/knowledge-bases/:kbId/jobs/:jobId`,
    api(store, (req, caller) => {
      const kb = findKb(store, caller, req.params.kbId)
      const job = store.jobs.get(req.params.jobId!)
      if (!job || job.kb !== kb.public_id) throw err(404, 'NOT_FOUND', 'Job not found')
      return { status: 200, json: store.jobView(job) }
    })
  )

  router.add(
    'PATCH',
    `${BASE}/knowledge-bases/:kbId/entries/:entryId`,
    api(store, (req, caller) => {
      requireWrite(caller, true)
      const kb = findKb(store, caller, req.params.kbId)
      const entry = kb.entries.find((e) => String(e.id) === req.params.entryId)
      if (!entry) throw err(404, 'NOT_FOUND', 'Entry not found')
      const body = objectBody(req)
      if (body.q === undefined && body.a === undefined) throw err(400, 'VALIDATION_ERROR', 'At least one of q or a is required')
      const q = body.q === undefined ? entry.question : entryText(body.q, 'q')
      const a = body.a === undefined ? entry.answer : entryText(body.a, 'a')
      if (store.entrySize(q, a).size > MAX_ENTRY_CHARS)
        throw err(400, 'VALIDATION_ERROR', `Entry exceeds ${MAX_ENTRY_CHARS} ${store.entrySize(q, a).unit} combined`)
      entry.question = q
      entry.answer = a
      entry.has_embedding = !store.takeFault('staffify-embedding-fail', `${q}\n${a}`)
      return { status: 200, json: { id: entry.id, question: entry.question, answer: entry.answer, has_embedding: entry.has_embedding } }
    })
  )

  router.add(
    'DELETE',
    `${BASE}/knowledge-bases/:kbId/entries/:entryId`,
    api(store, (req, caller) => {
      requireWrite(caller, false)
      const kb = findKb(store, caller, req.params.kbId)
      const entry = kb.entries.find((e) => String(e.id) === req.params.entryId)
      if (!entry) throw err(404, 'NOT_FOUND', 'Entry not found')
      kb.entries = kb.entries.filter((e) => e !== entry)
      return { status: 200, json: { deleted: true, id: entry.id } }
    })
  )

  router.add(
    'POST',
    `${BASE}/knowledge-bases/:kbId/entries/:entryId/retry-embedding`,
    api(store, (req, caller) => {
      requireWrite(caller, true)
      const kb = findKb(store, caller, req.params.kbId)
      const entry = kb.entries.find((e) => String(e.id) === req.params.entryId)
      if (!entry) throw err(404, 'NOT_FOUND', 'Entry not found')
      // A pending embedding (lag) is already on its way: nothing to retry.
      if (store.publicEntry(entry).has_embedding || entry.embedsAt !== undefined) return { status: 200, json: { retried: false } }
      entry.has_embedding = !store.takeFault('staffify-embedding-fail', `${entry.question}\n${entry.answer}`)
      return { status: 200, json: { retried: true } }
    })
  )
}
