/**
 * Telzino's OAuth clients and tokens, knowledge bases, their sources (files and URLs) and the RAG
 * jobs that index them over `processingMs`; with the state and seed formats.
 */
import { randomUUID } from 'node:crypto'
import { DEMO_ACCOUNTS } from '../../demo-accounts.ts'
import { EmuError, type EmuContext, type EmuRequest } from '../../framework.ts'

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

export interface Job {
  id: string
  sourceId: string
  enqueuedAt: number | null
  fail: boolean
}

export interface Kb {
  id: string
  organization_id: string
  name: string
  description: string | null
  created_at: string
  updated_at: string
}

/** `POST /_emulator/seed/telzino`: more credentials, and knowledge bases with sources made by hand. */
export interface TelzinoSeed {
  clients?: Array<{ clientId: string; clientSecret: string }>
  accessTokens?: string[]
  knowledgeBases?: Array<{ id?: string; organization_id?: string; name: string; sources?: Array<Partial<TelzinoSource> & { content?: string }> }>
}

/** What seeding made: each knowledge base's id with the ids of the sources added to it. */
export interface TelzinoSeeded {
  knowledgeBases: Array<{ id: string; sources: string[] }>
}

/** A source in state(): everything but the bytes, with their size and (when small) their text. */
export type TelzinoStateSource = Omit<TelzinoSource, 'bytes'> & { size: number | null; content: string | null }

/** `GET /_emulator/state/telzino`. */
export interface TelzinoState {
  knowledgeBases: Array<Kb & { sources: TelzinoStateSource[] }>
}

/** A RAG job as `GET /v1/rag/jobs/{jobId}` shows it. */
export interface JobView {
  status: 'queued' | 'processing' | 'complete' | 'failed'
  stage: string
  chunks_processed: number
  chunks_total: number
  error_text: string | null
  source_id: string
}

/**
 * The live behaviour switches where Telzino's docs are silent (profiles.ts). The defaults play the
 * reading the adapter was built on.
 */
export interface TelzinoEmulatorSettings {
  /** 0: the sources listing answers every source at once; n: pages of at most n with the documented `pagination` object. */
  sourcesPageSize: number
  /** A file whose `contentHash` the KB holds: `409` (default), `400` with a message, or `existing`: 200 with the existing source's ids. */
  duplicateAnswer: '409' | '400' | 'existing'
  /** `as-sent`: a source is listed under the `fileName` sent; `base-name`: under its last path part, trimmed. */
  sourceNames: 'as-sent' | 'base-name'
}

const DEFAULT_SETTINGS: TelzinoEmulatorSettings = { sourcesPageSize: 0, duplicateAnswer: '409', sourceNames: 'as-sent' }

export const err = (status: number, error: string, message: string, extra: Record<string, unknown> = {}) => new EmuError(status, { error, message, ...extra })

export const publicSource = ({ contentHash: _h, fileMime: _m, fileSize: _s, bytes: _b, ...rest }: TelzinoSource) => rest

export class TelzinoStore {
  /** Set when the server registers the vendor. */
  ctx!: EmuContext
  clients = new Map<string, string>()
  staticTokens = new Set<string>()
  tokens = new Map<string, number>()
  kbs: Kb[] = []
  sources: TelzinoSource[] = []
  jobs = new Map<string, Job>()
  /** Changed in place, never replaced: the emulator object hands out this very object. */
  readonly settings: TelzinoEmulatorSettings = { ...DEFAULT_SETTINGS }

  constructor() {
    this.reset()
  }

  reset(): void {
    this.clients = new Map([[DEMO_ACCOUNTS.telzino.clientId, DEMO_ACCOUNTS.telzino.clientSecret]])
    this.staticTokens = new Set([DEMO_ACCOUNTS.telzino.accessToken])
    this.tokens = new Map()
    this.kbs = []
    this.sources = []
    this.jobs = new Map()
    Object.assign(this.settings, DEFAULT_SETTINGS)
  }

  /** Throws 401 unless the request carries a static token or a live one. */
  auth(req: EmuRequest): void {
    if (this.ctx.faults.take('telzino-expire-tokens')) for (const k of this.tokens.keys()) this.tokens.set(k, 0)
    const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))
    const token = m?.[1]
    if (token && this.staticTokens.has(token)) return
    const expires = token ? this.tokens.get(token) : undefined
    if (expires === undefined || expires <= Date.now()) throw err(401, 'unauthorized', 'Invalid or expired access token')
  }

  /** A job as the API shows it; reading it also moves its source on (active or failed). */
  jobView(job: Job): JobView {
    const source = this.sources.find((s) => s.id === job.sourceId)
    const elapsed = job.enqueuedAt === null ? -1 : Date.now() - job.enqueuedAt
    let status: JobView['status'] = 'queued'
    if (elapsed >= this.ctx.processingMs) status = job.fail ? 'failed' : 'complete'
    else if (elapsed >= this.ctx.processingMs / 2) status = 'processing'
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

  kbOr404(id: string): Kb {
    const kb = this.kbs.find((k) => k.id === id)
    if (!kb) throw err(404, 'not_found', 'Knowledge base not found')
    return kb
  }

  newJob(sourceId: string, fail: boolean, enqueued: boolean): Job {
    const job: Job = { id: randomUUID(), sourceId, enqueuedAt: enqueued ? Date.now() : null, fail }
    this.jobs.set(job.id, job)
    return job
  }

  source(kb: Kb, fields: Partial<TelzinoSource>): TelzinoSource {
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
    this.sources.push(s)
    return s
  }

  state(): TelzinoState {
    for (const job of this.jobs.values()) this.jobView(job)
    return {
      knowledgeBases: this.kbs.map((kb) => ({
        ...kb,
        sources: this.sources
          .filter((s) => s.knowledge_base_id === kb.id)
          .map(({ bytes, ...s }) => ({ ...s, size: bytes?.length ?? null, content: bytes && bytes.length <= 65536 ? bytes.toString('utf8') : null }))
      }))
    }
  }

  seed(b: TelzinoSeed): TelzinoSeeded {
    for (const c of b.clients ?? []) this.clients.set(c.clientId, c.clientSecret)
    for (const t of b.accessTokens ?? []) this.staticTokens.add(t)
    const made: Array<{ id: string; sources: string[] }> = []
    for (const k of b.knowledgeBases ?? []) {
      const now = new Date().toISOString()
      const kb = this.kbs.find((x) => x.id === k.id) ?? {
        id: k.id ?? randomUUID(),
        organization_id: k.organization_id ?? DEMO_ACCOUNTS.telzino.organizationId,
        name: k.name,
        description: null,
        created_at: now,
        updated_at: now
      }
      if (!this.kbs.includes(kb)) this.kbs.push(kb)
      const ids: string[] = []
      for (const s of k.sources ?? []) {
        const bytes = s.content !== undefined ? Buffer.from(s.content) : null
        const { content: _c, ...fields } = s
        ids.push(this.source(kb, { status: 'active', bytes, fileSize: bytes?.length ?? null, name: fields.url ?? fields.name ?? 'manual.pdf', ...fields }).id)
      }
      made.push({ id: kb.id, sources: ids })
    }
    return { knowledgeBases: made }
  }
}
