/**
 * Staffify Knowledge Bases API (shared/vendor-docs/staffify-knowledge-bases.txt, NOTES.md §3),
 * mounted under /staffify/v1. Stateful: knowledge bases hold Q&A entries; uploads run as jobs.
 *
 * Auth: `Authorization: Bearer sfy_live_…` or `X-Api-Key`; organization keys (`sfy_org_…`) also need
 * `X-Project-Id`. Seeded keys may be read-only (writes → 403 READ_ONLY_KEY); an organization may
 * have a plan entry cap (403 naming count and cap) or no credits left (402 INSUFFICIENT_CREDITS).
 * Errors are `{code, message, details?}`. Every authenticated answer carries
 * X-RateLimit-Limit/-Remaining/-Reset (epoch seconds) for a fixed window per organization.
 *
 * Vendor faults (FaultSpec kind `vendor`, `match` against the entry's question + answer or the
 * upload's file name):
 *   staffify-embedding-fail   the entry ends with has_embedding:false (after its automatic retry);
 *                             the retry endpoint fails again while the fault lasts
 *   staffify-upload-fail      the upload job ends `failed`
 */
import { randomBytes } from 'node:crypto'
import { DEMO_ACCOUNTS } from '../../demo-accounts.ts'
import { boundaryOf, parseMultipart } from '../../multipart.ts'
import { EmuError, type EmuContext, type EmuRequest, type EmuResult, type Router, type VendorEmulator } from '../../framework.ts'

export const STAFFIFY_DEMO_KEY: string = DEMO_ACCOUNTS.staffify.apiKey
export const STAFFIFY_DEMO_ORG = 'org_demo'

const BASE = '/staffify/v1'
const MAX_ENTRIES_PER_REQUEST = 100
const MAX_ENTRY_CHARS = 8_000
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024
const FAILED_AUTH_LIMIT = 100
const FAILED_AUTH_WINDOW_MS = 15 * 60_000
const REFRESH_COOLDOWN_HOURS = 12

export interface StaffifyKey {
  key: string
  org?: string
  readOnly?: boolean
}

export interface StaffifyOrg {
  id: string
  /** Plan entry cap across the organization's knowledge bases. */
  entryCap?: number
  creditsExhausted?: boolean
  tier?: string
}

interface Entry {
  id: number
  question: string
  answer: string
  source_type: 'manual' | 'upload' | 'crawl'
  created_at: string
  has_embedding: boolean
  usage_count: number
}

interface KnowledgeBase {
  id: number
  public_id: string
  org: string
  name: string
  description: string | null
  status: 'active'
  source_url: string | null
  crawl_frequency: 'weekly' | 'biweekly' | 'monthly' | null
  auto_refresh_enabled: boolean
  last_crawled_at: string | null
  last_refresh_status: 'idle' | 'crawling' | 'done' | 'failed'
  max_depth: number
  max_pages: number
  created_at: string
  updated_at: string
  entries: Entry[]
  lastRefreshAt?: number
}

interface Job {
  job_id: string
  kb: string
  kind: 'upload' | 'crawl' | 'refresh'
  createdAt: number
  fileName?: string
  extracted: Array<{ q: string; a: string }>
  fail?: string
  status: 'waiting' | 'active' | 'completed' | 'failed' | 'delayed'
  result?: { entries_added: number }
  error?: string
}

export interface StaffifySeed {
  keys?: StaffifyKey[]
  orgs?: StaffifyOrg[]
  knowledgeBases?: Array<{ public_id?: string; name: string; description?: string; org?: string; entries?: Array<{ q: string; a: string; has_embedding?: boolean; source_type?: Entry['source_type'] }> }>
  /** Manual entries added "by hand" to an existing KB (by public_id). */
  entries?: Array<{ kb: string; q: string; a: string; has_embedding?: boolean; source_type?: Entry['source_type'] }>
  /** Requests per window per organization; window defaults to 60 s. */
  rateLimit?: { limit: number; windowSeconds?: number }
}

function err(status: number, code: string, message: string, details?: unknown, headers?: Record<string, string>): EmuError {
  return new EmuError(status, details === undefined ? { code, message } : { code, message, details }, headers)
}

const now = () => new Date().toISOString()

export function createStaffifyEmulator(): VendorEmulator & { seed(body: unknown): unknown } {
  let ctx!: EmuContext
  let keys = new Map<string, StaffifyKey>()
  let orgs = new Map<string, StaffifyOrg>()
  let kbs: KnowledgeBase[] = []
  let jobs = new Map<string, Job>()
  let nextKb = 1
  let nextEntry = 1
  let nextJob = 1
  let rateLimit = { limit: 300, windowMs: 60_000 }
  let windows = new Map<string, { start: number; count: number }>()
  let failedAuths: number[] = []

  function reset(): void {
    keys = new Map([[STAFFIFY_DEMO_KEY, { key: STAFFIFY_DEMO_KEY, org: STAFFIFY_DEMO_ORG }]])
    orgs = new Map([[STAFFIFY_DEMO_ORG, { id: STAFFIFY_DEMO_ORG }]])
    kbs = []
    jobs = new Map()
    nextKb = 1
    nextEntry = 1
    nextJob = 1
    rateLimit = { limit: 300, windowMs: 60_000 }
    windows = new Map()
    failedAuths = []
  }
  reset()

  function newEntry(q: string, a: string, sourceType: Entry['source_type'], hasEmbedding?: boolean): Entry {
    // One automatic retry is part of the vendor's own processing: a fault here is the state after it.
    const embedded = hasEmbedding ?? !ctx?.faults.take('staffify-embedding-fail', `${q}\n${a}`)
    return { id: nextEntry++, question: q, answer: a, source_type: sourceType, created_at: now(), has_embedding: embedded, usage_count: 0 }
  }

  function newKb(org: string, fields: Record<string, unknown>): KnowledgeBase {
    const id = nextKb++
    const t = now()
    return {
      id,
      public_id: typeof fields.public_id === 'string' ? fields.public_id : `kb_${String(id).padStart(8, '0')}`,
      org,
      name: String(fields.name),
      description: typeof fields.description === 'string' ? fields.description : null,
      status: 'active',
      source_url: typeof fields.source_url === 'string' ? fields.source_url : null,
      crawl_frequency: (fields.crawl_frequency as KnowledgeBase['crawl_frequency']) ?? null,
      auto_refresh_enabled: fields.auto_refresh_enabled === undefined ? true : Boolean(fields.auto_refresh_enabled),
      last_crawled_at: null,
      last_refresh_status: 'idle',
      max_depth: typeof fields.max_depth === 'number' ? fields.max_depth : 3,
      max_pages: typeof fields.max_pages === 'number' ? fields.max_pages : 100,
      created_at: t,
      updated_at: t,
      entries: []
    }
  }

  function publicKb(kb: KnowledgeBase) {
    const { id: _id, org: _org, entries, lastRefreshAt: _l, ...rest } = kb
    return { ...rest, entry_count: entries.length }
  }

  function publicEntry(e: Entry) {
    return { ...e }
  }

  // ---- auth, rate limit -------------------------------------------------------------------

  interface Caller {
    key: StaffifyKey
    org: StaffifyOrg
    headers: Record<string, string>
  }

  function authenticate(req: EmuRequest): Caller {
    const auth = String(req.headers.authorization ?? '')
    const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim()
    const apiKey = bearer ?? (typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'].trim() : undefined)
    const recent = failedAuths.filter((t) => t > Date.now() - FAILED_AUTH_WINDOW_MS)
    failedAuths = recent
    if (recent.length >= FAILED_AUTH_LIMIT) throw err(429, 'AUTH_RATE_LIMITED', 'Too many failed authentication attempts. Try again later.')
    if (!apiKey) {
      failedAuths.push(Date.now())
      throw err(401, 'MISSING_API_KEY', 'API key is required. Pass it as "Authorization: Bearer sfy_live_…" or X-Api-Key.')
    }
    const key = keys.get(apiKey)
    if (!key) {
      failedAuths.push(Date.now())
      throw err(401, 'INVALID_API_KEY', 'The API key is invalid or has been revoked.')
    }
    if (apiKey.startsWith('sfy_org_') && !String(req.headers['x-project-id'] ?? '').trim()) {
      throw err(400, 'VALIDATION_ERROR', 'Organization keys require the X-Project-Id header.')
    }
    const orgId = key.org ?? STAFFIFY_DEMO_ORG
    const org = orgs.get(orgId) ?? { id: orgId }
    return { key, org, headers: rateHeaders(org) }
  }

  function rateHeaders(org: StaffifyOrg): Record<string, string> {
    const t = Date.now()
    let w = windows.get(org.id)
    if (!w || t >= w.start + rateLimit.windowMs) {
      w = { start: t, count: 0 }
      windows.set(org.id, w)
    }
    w.count++
    const headers = {
      'x-ratelimit-limit': String(rateLimit.limit),
      'x-ratelimit-remaining': String(Math.max(0, rateLimit.limit - w.count)),
      'x-ratelimit-reset': String(Math.ceil((w.start + rateLimit.windowMs) / 1000)),
      'x-ratelimit-tier': org.tier ?? 'payg'
    }
    if (w.count > rateLimit.limit) {
      const retryAfter = Math.max(1, Math.ceil((w.start + rateLimit.windowMs - t) / 1000))
      throw new EmuError(429, { code: 'RATE_LIMIT_EXCEEDED', message: `Rate limit of ${rateLimit.limit} requests exceeded.`, retryAfter }, headers)
    }
    return headers
  }

  function requireWrite(caller: Caller, costsCredits: boolean): void {
    if (caller.key.readOnly) throw err(403, 'READ_ONLY_KEY', 'This API key is read-only and cannot perform write operations.', undefined, caller.headers)
    if (costsCredits && caller.org.creditsExhausted) {
      throw err(402, 'INSUFFICIENT_CREDITS', 'Your organization has insufficient credits. Top up to continue.', undefined, caller.headers)
    }
  }

  function orgEntryCount(org: string): number {
    return kbs.filter((k) => k.org === org).reduce((n, k) => n + k.entries.length, 0)
  }

  function findKb(caller: Caller, id: string | undefined): KnowledgeBase {
    const kb = kbs.find((k) => k.public_id === id && k.org === caller.org.id)
    if (!kb) throw err(404, 'NOT_FOUND', 'Knowledge base not found', undefined, caller.headers)
    return kb
  }

  /** Wraps a handler: authentication, rate limit, headers on errors too, jobs advanced. */
  function api(handler: (req: EmuRequest, caller: Caller) => EmuResult | Promise<EmuResult>) {
    return async (req: EmuRequest): Promise<EmuResult> => {
      const requestId = `req_${randomBytes(8).toString('hex')}`
      advanceJobs()
      try {
        const caller = authenticate(req)
        try {
          const result = await handler(req, caller)
          return { ...result, headers: { ...caller.headers, 'x-request-id': requestId, ...result.headers } }
        } catch (e) {
          if (e instanceof EmuError) throw new EmuError(e.status, e.payload, { ...caller.headers, 'x-request-id': requestId, ...e.headers })
          throw e
        }
      } catch (e) {
        if (e instanceof EmuError && !e.headers['x-request-id']) throw new EmuError(e.status, e.payload, { 'x-request-id': requestId, ...e.headers })
        throw e
      }
    }
  }

  // ---- validation helpers ------------------------------------------------------------------

  function intParam(req: EmuRequest, name: string, def: number, max: number): number {
    const raw = req.url.searchParams.get(name)
    if (raw === null || raw === '') return def
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 1 || n > max) throw err(400, 'VALIDATION_ERROR', `${name} must be an integer between 1 and ${max}`)
    return n
  }

  function cursorOf(id: number): string {
    return Buffer.from(`id:${id}`).toString('base64url')
  }

  function afterParam(req: EmuRequest): number {
    const raw = req.url.searchParams.get('after')
    if (raw === null || raw === '') return 0
    const m = /^id:(\d+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'))
    if (!m) throw err(400, 'VALIDATION_ERROR', 'Invalid cursor')
    return Number(m[1])
  }

  function objectBody(req: EmuRequest): Record<string, unknown> {
    let body: unknown
    try {
      body = JSON.parse(req.text() || 'null')
    } catch {
      throw err(400, 'VALIDATION_ERROR', 'Request body must be valid JSON')
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw err(400, 'VALIDATION_ERROR', 'Request body must be a JSON object')
    return body as Record<string, unknown>
  }

  function kbFields(body: Record<string, unknown>, creating: boolean): Record<string, unknown> {
    const problems: string[] = []
    if (creating || 'name' in body) {
      if (typeof body.name !== 'string' || body.name.trim() === '') problems.push('name is required')
      else if (body.name.length > 255) problems.push('name must be at most 255 characters')
    }
    if ('description' in body && body.description !== null && typeof body.description !== 'string') problems.push('description must be a string')
    if ('source_url' in body && body.source_url !== null && (typeof body.source_url !== 'string' || !/^https?:\/\//.test(body.source_url))) {
      problems.push('source_url must be an http(s) URL or null')
    }
    if ('crawl_frequency' in body && ![null, 'weekly', 'biweekly', 'monthly'].includes(body.crawl_frequency as string | null)) {
      problems.push('crawl_frequency must be weekly, biweekly, monthly or null')
    }
    if ('auto_refresh_enabled' in body && typeof body.auto_refresh_enabled !== 'boolean') problems.push('auto_refresh_enabled must be a boolean')
    for (const [name, lo, hi] of [
      ['max_depth', 1, 5],
      ['max_pages', 1, 500]
    ] as const) {
      if (name in body && (!Number.isInteger(body[name]) || (body[name] as number) < lo || (body[name] as number) > hi)) {
        problems.push(`${name} must be an integer from ${lo} to ${hi}`)
      }
    }
    if (problems.length > 0) throw err(400, 'VALIDATION_ERROR', problems.join('; '), { fields: problems })
    return body
  }

  function entryText(value: unknown, name: string, index?: number): string {
    if (typeof value !== 'string' || value.trim() === '') {
      throw err(400, 'VALIDATION_ERROR', `${index === undefined ? '' : `entries[${index}].`}${name} is required and must be a non-empty string`, index === undefined ? undefined : { index })
    }
    return value
  }

  // ---- jobs ----------------------------------------------------------------------------------

  function advanceJobs(): void {
    const t = Date.now()
    for (const job of jobs.values()) {
      if (job.status === 'completed' || job.status === 'failed') continue
      const elapsed = t - job.createdAt
      const processing = ctx?.processingMs ?? 30
      if (elapsed < processing / 3) job.status = 'waiting'
      else if (elapsed < processing) job.status = 'active'
      else finishJob(job)
    }
  }

  function finishJob(job: Job): void {
    const kb = kbs.find((k) => k.public_id === job.kb)
    if (!kb) {
      job.status = 'failed'
      job.error = 'Knowledge base was deleted'
      return
    }
    if (job.fail) {
      job.status = 'failed'
      job.error = job.fail
      kb.last_refresh_status = 'failed'
      return
    }
    const cap = orgs.get(kb.org)?.entryCap
    let added = 0
    for (const item of job.extracted) {
      if (cap !== undefined && orgEntryCount(kb.org) >= cap) break
      kb.entries.push(newEntry(item.q, item.a, job.kind === 'upload' ? 'upload' : 'crawl'))
      added++
    }
    job.status = 'completed'
    job.result = { entries_added: added }
    kb.last_refresh_status = 'done'
    kb.updated_at = now()
  }

  function jobView(job: Job) {
    const out: Record<string, unknown> = { job_id: job.job_id, status: job.status }
    if (job.status === 'active') out.progress = { percent: 50 }
    if (job.result) out.result = job.result
    if (job.error) out.error = job.error
    return out
  }

  function queueJob(kb: KnowledgeBase, kind: Job['kind'], extracted: Job['extracted'], fileName?: string, fail?: string): Job {
    const job: Job = { job_id: String(nextJob++), kb: kb.public_id, kind, createdAt: Date.now(), fileName, extracted, fail, status: 'waiting' }
    jobs.set(job.job_id, job)
    kb.last_refresh_status = kind === 'upload' ? kb.last_refresh_status : 'crawling'
    return job
  }

  // ---- routes --------------------------------------------------------------------------------

  function register(router: Router, context: EmuContext): void {
    ctx = context

    router.add(
      'GET',
      `${BASE}/knowledge-bases`,
      api((req, caller) => {
        const limit = intParam(req, 'limit', 20, 100)
        const after = afterParam(req)
        const mine = kbs.filter((k) => k.org === caller.org.id && k.id > after).sort((a, b) => a.id - b.id)
        const page = mine.slice(0, limit)
        const more = mine.length > limit
        return { status: 200, json: { knowledge_bases: page.map(publicKb), next_cursor: more ? cursorOf(page.at(-1)!.id) : null } }
      })
    )

    router.add(
      'POST',
      `${BASE}/knowledge-bases`,
      api((req, caller) => {
        requireWrite(caller, false)
        const fields = kbFields(objectBody(req), true)
        const kb = newKb(caller.org.id, fields)
        kbs.push(kb)
        if (kb.source_url) {
          kb.last_refresh_status = 'crawling'
          queueJob(kb, 'crawl', [{ q: `What is on ${kb.source_url}?`, a: `Crawled content of ${kb.source_url}.` }])
        }
        return { status: 201, json: { knowledge_base: publicKb(kb) } }
      })
    )

    router.add(
      'GET',
      `${BASE}/knowledge-bases/:kbId`,
      api((req, caller) => ({ status: 200, json: { knowledge_base: publicKb(findKb(caller, req.params.kbId)) } }))
    )

    router.add(
      'PATCH',
      `${BASE}/knowledge-bases/:kbId`,
      api((req, caller) => {
        requireWrite(caller, false)
        const kb = findKb(caller, req.params.kbId)
        const fields = kbFields(objectBody(req), false)
        if ('source_url' in fields && fields.source_url !== kb.source_url) {
          if (fields.source_url === null) {
            kb.source_url = null
            kb.last_refresh_status = 'idle'
          } else {
            // A different URL replaces everything crawled from the old one.
            kb.entries = kb.entries.filter((e) => e.source_type !== 'crawl')
            kb.source_url = fields.source_url as string
            queueJob(kb, 'crawl', [{ q: `What is on ${kb.source_url}?`, a: `Crawled content of ${kb.source_url}.` }])
          }
        }
        for (const name of ['name', 'description', 'crawl_frequency', 'auto_refresh_enabled', 'max_depth', 'max_pages'] as const) {
          if (name in fields) (kb as unknown as Record<string, unknown>)[name] = fields[name]
        }
        kb.updated_at = now()
        return { status: 200, json: { knowledge_base: publicKb(kb) } }
      })
    )

    router.add(
      'DELETE',
      `${BASE}/knowledge-bases/:kbId`,
      api((req, caller) => {
        requireWrite(caller, false)
        const kb = findKb(caller, req.params.kbId)
        kbs = kbs.filter((k) => k !== kb)
        return { status: 200, json: { deleted: true, id: kb.id } }
      })
    )

    router.add(
      'POST',
      `${BASE}/knowledge-bases/:kbId/refresh`,
      api((req, caller) => {
        requireWrite(caller, true)
        const kb = findKb(caller, req.params.kbId)
        if (!kb.source_url) throw err(400, 'VALIDATION_ERROR', 'Knowledge base has no source_url to refresh')
        if (kb.last_refresh_status === 'crawling') throw err(409, 'CONFLICT', 'A crawl is already running for this knowledge base')
        const since = kb.lastRefreshAt === undefined ? Infinity : (Date.now() - kb.lastRefreshAt) / 3_600_000
        if (since < REFRESH_COOLDOWN_HOURS) {
          const availableIn = Math.round((REFRESH_COOLDOWN_HOURS - since) * 10) / 10
          throw new EmuError(429, { error: 'Refresh is limited to once per 12 hours', available_in_hours: availableIn })
        }
        kb.lastRefreshAt = Date.now()
        const job = queueJob(kb, 'refresh', [])
        return { status: 202, json: { job_id: job.job_id, status: 'queued' } }
      })
    )

    router.add(
      'GET',
      `${BASE}/knowledge-bases/:kbId/entries`,
      api((req, caller) => {
        const kb = findKb(caller, req.params.kbId)
        const limit = intParam(req, 'limit', 50, 100)
        const after = afterParam(req)
        const rest = kb.entries.filter((e) => e.id > after).sort((a, b) => a.id - b.id)
        const page = rest.slice(0, limit)
        const hasMore = rest.length > limit
        return {
          status: 200,
          json: { entries: page.map(publicEntry), next_cursor: hasMore ? cursorOf(page.at(-1)!.id) : null, has_more: hasMore, total: kb.entries.length }
        }
      })
    )

    router.add(
      'POST',
      `${BASE}/knowledge-bases/:kbId/entries`,
      api((req, caller) => {
        requireWrite(caller, true)
        const kb = findKb(caller, req.params.kbId)
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
          if (q.length + a.length > MAX_ENTRY_CHARS) {
            throw err(400, 'VALIDATION_ERROR', `entries[${index}] exceeds ${MAX_ENTRY_CHARS} characters combined (q + a = ${q.length + a.length})`, {
              index,
              max: MAX_ENTRY_CHARS
            })
          }
          return { q, a }
        })
        const cap = caller.org.entryCap
        const count = orgEntryCount(caller.org.id)
        if (cap !== undefined && count + items.length > cap) {
          throw err(403, 'PLAN_LIMIT_REACHED', `Plan entry limit reached: your organization has ${count} entries and your plan allows ${cap}.`, {
            current: count,
            cap
          })
        }
        for (const item of items) kb.entries.push(newEntry(item.q, item.a, 'manual'))
        kb.updated_at = now()
        return { status: 201, json: { added: items.length } }
      })
    )

    router.add(
      'POST',
      `${BASE}/knowledge-bases/:kbId/entries/upload`,
      api((req, caller) => {
        requireWrite(caller, true)
        const kb = findKb(caller, req.params.kbId)
        const file = multipartFile(req)
        if (!file) throw err(400, 'VALIDATION_ERROR', 'No file uploaded')
        const ext = /\.([A-Za-z0-9]+)$/.exec(file.filename)?.[1]?.toLowerCase() ?? ''
        if (!['pdf', 'docx', 'doc', 'txt'].includes(ext)) throw err(400, 'VALIDATION_ERROR', 'Unsupported file type (must be pdf, docx, doc, or txt)')
        if (file.data.length > MAX_UPLOAD_BYTES) throw err(400, 'VALIDATION_ERROR', 'File exceeds 50 MB limit')
        if (!magicMatches(ext, file.data)) throw err(400, 'VALIDATION_ERROR', 'File content does not match its declared type')
        const fault = ctx.faults.take('staffify-upload-fail', file.filename)
        const job = queueJob(kb, 'upload', extractEntries(file.filename, ext, file.data), file.filename, fault ? String(fault.data?.error ?? 'Document parsing failed') : undefined)
        return { status: 202, json: { job_id: job.job_id, status: 'queued' } }
      })
    )

    router.add(
      'POST',
      `${BASE}/knowledge-bases/:kbId/entries/crawl`,
      api((req, caller) => {
        requireWrite(caller, true)
        const kb = findKb(caller, req.params.kbId)
        const body = objectBody(req)
        if (typeof body.url !== 'string' || !/^https?:\/\//.test(body.url)) throw err(400, 'VALIDATION_ERROR', 'url is required and must be an http(s) URL')
        const maxPages = body.max_pages ?? 50
        const maxDepth = body.max_depth ?? 2
        if (!Number.isInteger(maxPages) || (maxPages as number) < 1 || (maxPages as number) > 500) throw err(400, 'VALIDATION_ERROR', 'max_pages must be 1–500')
        if (!Number.isInteger(maxDepth) || (maxDepth as number) < 1 || (maxDepth as number) > 5) throw err(400, 'VALIDATION_ERROR', 'max_depth must be 1–5')
        const job = queueJob(kb, 'crawl', [{ q: `What is on ${body.url}?`, a: `Crawled content of ${body.url}.` }])
        return { status: 202, json: { job_id: job.job_id, status: 'queued' } }
      })
    )

    router.add(
      'GET',
      `${BASE}/knowledge-bases/:kbId/jobs/:jobId`,
      api((req, caller) => {
        const kb = findKb(caller, req.params.kbId)
        const job = jobs.get(req.params.jobId!)
        if (!job || job.kb !== kb.public_id) throw err(404, 'NOT_FOUND', 'Job not found')
        return { status: 200, json: jobView(job) }
      })
    )

    router.add(
      'PATCH',
      `${BASE}/knowledge-bases/:kbId/entries/:entryId`,
      api((req, caller) => {
        requireWrite(caller, true)
        const kb = findKb(caller, req.params.kbId)
        const entry = kb.entries.find((e) => String(e.id) === req.params.entryId)
        if (!entry) throw err(404, 'NOT_FOUND', 'Entry not found')
        const body = objectBody(req)
        if (body.q === undefined && body.a === undefined) throw err(400, 'VALIDATION_ERROR', 'At least one of q or a is required')
        const q = body.q === undefined ? entry.question : entryText(body.q, 'q')
        const a = body.a === undefined ? entry.answer : entryText(body.a, 'a')
        if (q.length + a.length > MAX_ENTRY_CHARS) throw err(400, 'VALIDATION_ERROR', `Entry exceeds ${MAX_ENTRY_CHARS} characters combined`)
        entry.question = q
        entry.answer = a
        entry.has_embedding = !ctx.faults.take('staffify-embedding-fail', `${q}\n${a}`)
        return { status: 200, json: { id: entry.id, question: entry.question, answer: entry.answer, has_embedding: entry.has_embedding } }
      })
    )

    router.add(
      'DELETE',
      `${BASE}/knowledge-bases/:kbId/entries/:entryId`,
      api((req, caller) => {
        requireWrite(caller, false)
        const kb = findKb(caller, req.params.kbId)
        const entry = kb.entries.find((e) => String(e.id) === req.params.entryId)
        if (!entry) throw err(404, 'NOT_FOUND', 'Entry not found')
        kb.entries = kb.entries.filter((e) => e !== entry)
        return { status: 200, json: { deleted: true, id: entry.id } }
      })
    )

    router.add(
      'POST',
      `${BASE}/knowledge-bases/:kbId/entries/:entryId/retry-embedding`,
      api((req, caller) => {
        requireWrite(caller, true)
        const kb = findKb(caller, req.params.kbId)
        const entry = kb.entries.find((e) => String(e.id) === req.params.entryId)
        if (!entry) throw err(404, 'NOT_FOUND', 'Entry not found')
        if (entry.has_embedding) return { status: 200, json: { retried: false } }
        entry.has_embedding = !ctx.faults.take('staffify-embedding-fail', `${entry.question}\n${entry.answer}`)
        return { status: 200, json: { retried: true } }
      })
    )
  }

  function state() {
    advanceJobs()
    return {
      knowledgeBases: kbs.map((kb) => ({ ...publicKb(kb), org: kb.org, entries: kb.entries.map(publicEntry) })),
      jobs: [...jobs.values()].map((j) => ({ ...jobView(j), kb: j.kb, kind: j.kind, file: j.fileName })),
      rateLimit: { limit: rateLimit.limit, windowSeconds: rateLimit.windowMs / 1000 }
    }
  }

  function seed(body: unknown) {
    const b = (body ?? {}) as StaffifySeed
    for (const o of b.orgs ?? []) orgs.set(o.id, { ...orgs.get(o.id), ...o })
    for (const k of b.keys ?? []) {
      keys.set(k.key, k)
      const org = k.org ?? STAFFIFY_DEMO_ORG
      if (!orgs.has(org)) orgs.set(org, { id: org })
    }
    const made: string[] = []
    for (const spec of b.knowledgeBases ?? []) {
      const kb = newKb(spec.org ?? STAFFIFY_DEMO_ORG, spec)
      for (const e of spec.entries ?? []) kb.entries.push(newEntry(e.q, e.a, e.source_type ?? 'manual', e.has_embedding ?? true))
      kbs.push(kb)
      made.push(kb.public_id)
    }
    for (const e of b.entries ?? []) {
      const kb = kbs.find((k) => k.public_id === e.kb)
      if (!kb) throw new EmuError(404, { error: `no knowledge base ${e.kb}` })
      kb.entries.push(newEntry(e.q, e.a, e.source_type ?? 'manual', e.has_embedding ?? true))
    }
    if (b.rateLimit) rateLimit = { limit: b.rateLimit.limit, windowMs: (b.rateLimit.windowSeconds ?? 60) * 1000 }
    return { created: made, ...state() }
  }

  return { name: 'staffify', register, state, reset, seed }
}

/** The first part named `file` with a file name, or undefined when the request carries none. */
function multipartFile(req: EmuRequest): { filename: string; data: Buffer } | undefined {
  const type = req.headers['content-type']
  if (!boundaryOf(type)) return undefined
  const part = parseMultipart(req.body, type, (detail) => err(400, 'VALIDATION_ERROR', `Malformed multipart body: ${detail}`)).find(
    (p) => p.name === 'file' && p.filename !== undefined && p.filename !== ''
  )
  return part ? { filename: part.filename!, data: Buffer.from(part.data) } : undefined
}

function magicMatches(ext: string, data: Buffer): boolean {
  switch (ext) {
    case 'pdf':
      return data.subarray(0, 5).toString('latin1') === '%PDF-'
    case 'docx':
      return data.length >= 4 && data.readUInt32BE(0) === 0x504b0304
    case 'doc':
      return data.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))
    case 'txt':
      // Text has no magic number; a NUL byte or invalid UTF-8 means a binary renamed to .txt.
      return !data.includes(0) && Buffer.from(data.toString('utf8'), 'utf8').equals(data)
    default:
      return false
  }
}

/** Stands in for the vendor's document parser: one entry per paragraph of readable text. */
function extractEntries(filename: string, ext: string, data: Buffer): Array<{ q: string; a: string }> {
  const text = ext === 'txt' ? data.toString('utf8') : (data.toString('latin1').match(/[\x20-\x7e]{4,}/g) ?? []).join('\n')
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
  return paragraphs.map((p, i) => ({ q: `${filename} (part ${i + 1})`, a: p.slice(0, 7_900) }))
}
