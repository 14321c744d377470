/**
 * Staffify's organizations, API keys, knowledge bases with their Q&A entries, and the upload and
 * crawl jobs that fill them over `processingMs`; with the state and seed formats.
 */
import { DEMO_ACCOUNTS } from '../../demo-accounts.ts'
import { EmuError, type EmuContext } from '../../framework.ts'

export const STAFFIFY_DEMO_KEY: string = DEMO_ACCOUNTS.staffify.apiKey
export const STAFFIFY_DEMO_ORG = 'org_demo'

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

export interface Entry {
  id: number
  question: string
  answer: string
  source_type: 'manual' | 'upload' | 'crawl'
  created_at: string
  has_embedding: boolean
  usage_count: number
  /** With an embedding lag: when the pending embedding is done (never listed). */
  embedsAt?: number
}

export interface KnowledgeBase {
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

export interface Job {
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

/** `POST /_emulator/seed/staffify`. */
export interface StaffifySeed {
  keys?: StaffifyKey[]
  orgs?: StaffifyOrg[]
  knowledgeBases?: Array<{
    public_id?: string
    name: string
    description?: string
    org?: string
    entries?: Array<{ q: string; a: string; has_embedding?: boolean; source_type?: Entry['source_type'] }>
  }>
  /** Manual entries added "by hand" to an existing KB (by public_id). */
  entries?: Array<{ kb: string; q: string; a: string; has_embedding?: boolean; source_type?: Entry['source_type'] }>
  /** Requests per window per organization; window defaults to 60 s. */
  rateLimit?: { limit: number; windowSeconds?: number }
}

/** A knowledge base as the API shows it. */
export type KbView = Omit<KnowledgeBase, 'id' | 'org' | 'entries' | 'lastRefreshAt'> & { entry_count: number }

/** A job as `GET …/jobs/{jobId}` shows it. */
export interface JobView {
  job_id: string
  status: Job['status']
  progress?: { percent: number }
  result?: { entries_added: number }
  error?: string
}

/** A knowledge base in state(): what the API shows, with its organization and entries. */
export type StaffifyStateKb = KbView & { org: string; entries: Entry[] }

/** `GET /_emulator/state/staffify`. */
export interface StaffifyState {
  knowledgeBases: StaffifyStateKb[]
  jobs: Array<JobView & { kb: string; kind: Job['kind']; file: string | undefined }>
  rateLimit: { limit: number; windowSeconds: number }
}

/** What seeding answers: the public ids of the knowledge bases it made, and the whole state. */
export type StaffifySeeded = { created: string[] } & StaffifyState

export const now = () => new Date().toISOString()

/**
 * The live behaviour switches where Staffify's docs are silent (profiles.ts). The defaults play
 * the reading the adapter was built on.
 */
export interface StaffifyEmulatorSettings {
  /** An added entry is listed `has_embedding: false` for this long before its embedding is there; 0: at once. */
  embeddingLagMs: number
  /** What the 8,000 limit per entry counts: UTF-16 `characters` (default) or UTF-8 `bytes`. */
  entryLimitUnit: 'characters' | 'bytes'
}

const DEFAULT_SETTINGS: StaffifyEmulatorSettings = { embeddingLagMs: 0, entryLimitUnit: 'characters' }

export class StaffifyStore {
  /** Set when the server registers the vendor; seeding may come first. */
  ctx: EmuContext | undefined
  keys = new Map<string, StaffifyKey>()
  orgs = new Map<string, StaffifyOrg>()
  kbs: KnowledgeBase[] = []
  jobs = new Map<string, Job>()
  nextKb = 1
  nextEntry = 1
  nextJob = 1
  rateLimit = { limit: 300, windowMs: 60_000 }
  windows = new Map<string, { start: number; count: number }>()
  failedAuths: number[] = []
  /** Changed in place, never replaced: the emulator object hands out this very object. */
  readonly settings: StaffifyEmulatorSettings = { ...DEFAULT_SETTINGS }

  constructor() {
    this.reset()
  }

  reset(): void {
    this.keys = new Map([[STAFFIFY_DEMO_KEY, { key: STAFFIFY_DEMO_KEY, org: STAFFIFY_DEMO_ORG }]])
    this.orgs = new Map([[STAFFIFY_DEMO_ORG, { id: STAFFIFY_DEMO_ORG }]])
    this.kbs = []
    this.jobs = new Map()
    this.nextKb = 1
    this.nextEntry = 1
    this.nextJob = 1
    this.rateLimit = { limit: 300, windowMs: 60_000 }
    this.windows = new Map()
    this.failedAuths = []
    Object.assign(this.settings, DEFAULT_SETTINGS)
  }

  /** An entry's size as the limit counts it, with the unit for messages. */
  entrySize(q: string, a: string): { size: number; unit: string } {
    return this.settings.entryLimitUnit === 'bytes'
      ? { size: Buffer.byteLength(q + a, 'utf8'), unit: 'bytes' }
      : { size: q.length + a.length, unit: 'characters' }
  }

  /** A vendor fault by name whose `match` is in `subject`; there are none before registration. */
  takeFault(name: string, subject: string) {
    return this.ctx?.faults.take(name, subject)
  }

  newEntry(q: string, a: string, sourceType: Entry['source_type'], hasEmbedding?: boolean): Entry {
    // One automatic retry is part of the vendor's own processing: a fault here is the state after it.
    const embedded = hasEmbedding ?? !this.takeFault('staffify-embedding-fail', `${q}\n${a}`)
    const lag = hasEmbedding === undefined && embedded ? this.settings.embeddingLagMs : 0
    const entry: Entry = {
      id: this.nextEntry++,
      question: q,
      answer: a,
      source_type: sourceType,
      created_at: now(),
      has_embedding: embedded && lag <= 0,
      usage_count: 0
    }
    if (lag > 0) entry.embedsAt = Date.now() + lag
    return entry
  }

  newKb(org: string, fields: Record<string, unknown>): KnowledgeBase {
    const id = this.nextKb++
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

  publicKb(kb: KnowledgeBase): KbView {
    const { id: _id, org: _org, entries, lastRefreshAt: _l, ...rest } = kb
    return { ...rest, entry_count: entries.length }
  }

  publicEntry(e: Entry): Entry {
    if (e.embedsAt !== undefined && Date.now() >= e.embedsAt) {
      e.has_embedding = true
      e.embedsAt = undefined
    }
    const { embedsAt: _pending, ...shown } = e
    return shown
  }

  orgEntryCount(org: string): number {
    return this.kbs.filter((k) => k.org === org).reduce((n, k) => n + k.entries.length, 0)
  }

  /** Moves every unfinished job on by the time elapsed. Called before every request and read. */
  advanceJobs(): void {
    const t = Date.now()
    for (const job of this.jobs.values()) {
      if (job.status === 'completed' || job.status === 'failed') continue
      const elapsed = t - job.createdAt
      const processing = this.ctx?.processingMs ?? 30
      if (elapsed < processing / 3) job.status = 'waiting'
      else if (elapsed < processing) job.status = 'active'
      else this.finishJob(job)
    }
  }

  private finishJob(job: Job): void {
    const kb = this.kbs.find((k) => k.public_id === job.kb)
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
    const cap = this.orgs.get(kb.org)?.entryCap
    let added = 0
    for (const item of job.extracted) {
      if (cap !== undefined && this.orgEntryCount(kb.org) >= cap) break
      kb.entries.push(this.newEntry(item.q, item.a, job.kind === 'upload' ? 'upload' : 'crawl'))
      added++
    }
    job.status = 'completed'
    job.result = { entries_added: added }
    kb.last_refresh_status = 'done'
    kb.updated_at = now()
  }

  jobView(job: Job): JobView {
    const out: JobView = { job_id: job.job_id, status: job.status }
    if (job.status === 'active') out.progress = { percent: 50 }
    if (job.result) out.result = job.result
    if (job.error) out.error = job.error
    return out
  }

  queueJob(kb: KnowledgeBase, kind: Job['kind'], extracted: Job['extracted'], fileName?: string, fail?: string): Job {
    const job: Job = { job_id: String(this.nextJob++), kb: kb.public_id, kind, createdAt: Date.now(), fileName, extracted, fail, status: 'waiting' }
    this.jobs.set(job.job_id, job)
    kb.last_refresh_status = kind === 'upload' ? kb.last_refresh_status : 'crawling'
    return job
  }

  state(): StaffifyState {
    this.advanceJobs()
    return {
      knowledgeBases: this.kbs.map((kb) => ({ ...this.publicKb(kb), org: kb.org, entries: kb.entries.map((e) => this.publicEntry(e)) })),
      jobs: [...this.jobs.values()].map((j) => ({ ...this.jobView(j), kb: j.kb, kind: j.kind, file: j.fileName })),
      rateLimit: { limit: this.rateLimit.limit, windowSeconds: this.rateLimit.windowMs / 1000 }
    }
  }

  seed(body: StaffifySeed): StaffifySeeded {
    const b = body ?? {}
    for (const o of b.orgs ?? []) this.orgs.set(o.id, { ...this.orgs.get(o.id), ...o })
    for (const k of b.keys ?? []) {
      this.keys.set(k.key, k)
      const org = k.org ?? STAFFIFY_DEMO_ORG
      if (!this.orgs.has(org)) this.orgs.set(org, { id: org })
    }
    const made: string[] = []
    for (const spec of b.knowledgeBases ?? []) {
      const kb = this.newKb(spec.org ?? STAFFIFY_DEMO_ORG, spec)
      for (const e of spec.entries ?? []) kb.entries.push(this.newEntry(e.q, e.a, e.source_type ?? 'manual', e.has_embedding ?? true))
      this.kbs.push(kb)
      made.push(kb.public_id)
    }
    for (const e of b.entries ?? []) {
      const kb = this.kbs.find((k) => k.public_id === e.kb)
      if (!kb) throw new EmuError(404, { error: `no knowledge base ${e.kb}` })
      kb.entries.push(this.newEntry(e.q, e.a, e.source_type ?? 'manual', e.has_embedding ?? true))
    }
    if (b.rateLimit) this.rateLimit = { limit: b.rateLimit.limit, windowMs: (b.rateLimit.windowSeconds ?? 60) * 1000 }
    return { created: made, ...this.state() }
  }
}
