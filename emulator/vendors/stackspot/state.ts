// Over 350 lines: the store, the settings that shape its answers and its API views are one model; the routes live elsewhere.
/**
 * StackSpot's Knowledge Sources, uploads and zip batches, the processing that moves them on with
 * time, and the state and seed formats of /_emulator/state|seed/stackspot.
 */
import { createHash, randomBytes } from 'node:crypto'
import { EmuError, type EmuContext } from '../../framework.ts'

/** Small text objects are shown in state() so tests can assert on content. */
const STATE_CONTENT_BYTES = 64 * 1024

export interface KsObject {
  id: string
  file_path: string | null
  checksum: string
  standalone: boolean
  size: number
  content: Buffer
  /** How it got here: a per-file upload, a zip batch, or by hand (seed). */
  origin: 'file-upload' | 'zip' | 'manual'
  /** The batch that last carried this file (zip objects only); auto-delete looks at it. */
  batchId?: string
  uploadId?: string
  /** Under `deleteMode: 'lagged'`: a DELETE was accepted, and the object leaves the listing then. */
  deleteAt?: number
  created_at: string
  updated_at: string
}

export interface KnowledgeSource {
  id: string
  slug: string
  name: string
  description: string
  type: string
  created_at: string
  /** Uploads are refused (403) until then: the vendor's "async permissions" after creation. */
  acceptsUploadsAt: number
  /** Uploads still refused whatever the time (`newKsRefusals`): a test that needs a refusal gets one on any machine. */
  refusalsLeft?: number
  objects: KsObject[]
  /** The last zip batch applied, whose files auto-delete compares against. */
  lastBatchId?: string
}

type UploadStatus = 'NEW' | 'PROCESSING' | 'INDEXED' | 'ERROR'

interface Summary {
  added: number
  preserved: number
  removed: number
  errors: number
}

export interface Upload {
  id: string
  file_name: string
  target_id: string
  target_type: string
  form: Record<string, string>
  expiresAt: number
  status: UploadStatus
  error_description?: string
  file?: Buffer
  /** The file is in storage but processing waits for its step (`processingStep: 'file-upload'`). */
  landed?: boolean
  processingUntil?: number
  split_strategy?: string
  objectId?: string
  summary: Summary
}

export interface Batch {
  id: string
  slug: string
  autoDelete: boolean
  status: 'PROCESSING' | 'DONE'
  applyAt: number
  entries: Array<{ path: string; content: Buffer }>
  /** Entries applied so far (all at once, or one by one in the slow zip mode). */
  applied: number
  /** The first step (auto-delete) has run. */
  started: boolean
  /**
   * The objects the KS held when the zip was accepted: an entry whose path and bytes one of them
   * holds is preserved, anything else is added, so an object that arrived meanwhile (a per-file
   * upload of the same doc) gets a second copy, as a server that diffs on arrival would make.
   */
  knownIds: ReadonlySet<string>
  summary: Summary
  errors: string[]
}

export interface StackspotEmulatorSettings {
  /** How long a new KS refuses upload forms and batches (403), in ms. */
  newKsDelayMs: number
  /** How many upload forms and batches a new KS refuses (403) at least, however long they take to come. */
  newKsRefusals: number
  /**
   * 0: a zip batch is applied whole once processed. Above 0, the slow zip mode: its objects appear
   * one by one, the first once processed and each next one this many ms later, as a busy server
   * whose zip processing is undocumented might do.
   */
  zipEntryIntervalMs: number
  /**
   * 0: the object listing is one array. Above 0: it is paged v2-style (`page` from 1, `size` up to
   * this many, and this many when no `size` is asked), each answer shaped as `objectsPageShape` says.
   */
  objectsPageSize: number
  /** `wrapped`: `{items, page, size, total, total_pages}`; `array`: a bare page-sized array that says nothing of pages. */
  objectsPageShape: 'wrapped' | 'array'
  /** How `file_path` is listed: as sent, with a leading `/`, or sanitised as a file name (werkzeug-like). */
  filePathEcho: 'as-sent' | 'leading-slash' | 'sanitised'
  /** What the listed `checksum` holds: hex SHA-256 or MD5, hex SHA-512 (no algorithm the action knows), or nothing. */
  checksum: 'sha256' | 'md5' | 'sha512' | 'absent'
  /** The words `GET /v1/file-upload/{id}` reports while processing, when done, and on failure. */
  pendingWord: string
  doneWord: string
  failedWord: string
  /**
   * `knowledge-objects`: processing starts when the file lands (the step is accepted); `file-upload`:
   * `…/knowledge-objects` is 404 and processing starts only at `POST /v1/file-upload/{id}`.
   */
  processingStep: 'knowledge-objects' | 'file-upload'
  /** `async`: 202, applied later; `sync`: 200 with the result, objects already listed; `missing-404`/`missing-405`: no batch route. */
  zipBatch: 'async' | 'sync' | 'missing-404' | 'missing-405'
  /** The upload form answers `x-amz-security-token: null` (a credential without a session token) and signs without it. */
  formNullToken: boolean
  /** `immediate`: a DELETE removes at once (204); `lagged`: 202, gone from the listing 300 ms later; `kept-404`: 404 and the object stays. */
  deleteMode: 'immediate' | 'lagged' | 'kept-404'
  /** The listing carries one item the action cannot read (no id, mistyped fields). */
  oddListingItem: boolean
}

/** `POST /_emulator/seed/stackspot`. */
export interface StackspotSeed {
  knowledgeSources?: Array<{
    slug: string
    name?: string
    description?: string
    type?: string
    /** Objects added by hand: standalone unless told otherwise. */
    objects?: Array<{ file_path?: string | null; content: string; standalone?: boolean }>
  }>
  settings?: Partial<StackspotEmulatorSettings>
}

/** A Knowledge Source as the API shows it. */
export interface KsView {
  id: string
  slug: string
  name: string
  description: string
  type: string
  creator: string
  visibility_level: string
  created_at: string
  object_count: number
}

/** A knowledge object as the API lists it. */
export interface ObjectView {
  id: string
  file_path: string | null
  /** Empty under `checksum: 'absent'`, whose listing leaves the field out. */
  checksum: string
  standalone: boolean
  size: number
  upload_id: string | null
  created_at: string
  updated_at: string
}

/** An upload as `GET /v1/file-upload/{id}` shows it. */
export interface UploadView {
  id: string
  file_name: string
  target_id: string
  target_type: string
  /** The internal status in the words `settings` sets. */
  status: string
  error_description?: string
  summary: Summary
}

/** `GET /_emulator/state/stackspot`. */
export interface StackspotState {
  knowledgeSources: Array<KsView & { objects: Array<ObjectView & { origin: KsObject['origin']; content: string | undefined }> }>
  uploads: Array<UploadView & { size: number | null; split_strategy: string | null }>
  batches: Array<{ id: string; slug: string; autoDelete: boolean; status: Batch['status']; files: string[]; summary: Summary; errors: string[] }>
  settings: StackspotEmulatorSettings
}

/** What seeding made: the objects added by hand, and the settings now in force. */
export interface StackspotSeeded {
  objects: ObjectView[]
  settings: StackspotEmulatorSettings
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** The `checksum` a listing shows for these bytes; undefined when it shows none. */
function listedChecksum(kind: StackspotEmulatorSettings['checksum'], content: Buffer): string | undefined {
  if (kind === 'absent') return undefined
  return createHash(kind).update(content).digest('hex')
}

/** The `file_path` a listing shows for the name sent. `sanitised` plays werkzeug's secure_filename, common in Python backends. */
export function listedPath(echo: StackspotEmulatorSettings['filePathEcho'], sent: string): string {
  if (echo === 'leading-slash') return `/${sent}`
  if (echo === 'as-sent') return sent
  const ascii = sent.normalize('NFKD').replace(/[^ -~]/g, '')
  return ascii
    .replace(/\//g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join('_')
    .replace(/[^A-Za-z0-9_.-]/g, '')
    .replace(/^[._]+|[._]+$/g, '')
}
export const now = () => new Date().toISOString()
export const ulid = () => `01${randomBytes(12).toString('hex').toUpperCase().slice(0, 24)}`

const DEFAULT_SETTINGS: StackspotEmulatorSettings = {
  newKsDelayMs: 200,
  newKsRefusals: 0,
  zipEntryIntervalMs: 0,
  objectsPageSize: 0,
  objectsPageShape: 'wrapped',
  filePathEcho: 'as-sent',
  checksum: 'sha256',
  pendingWord: 'PROCESSING',
  doneWord: 'INDEXED',
  failedWord: 'ERROR',
  processingStep: 'knowledge-objects',
  zipBatch: 'async',
  formNullToken: false,
  deleteMode: 'immediate',
  oddListingItem: false
}

export class StackspotStore {
  /** Set when the server registers the vendor. */
  ctx!: EmuContext
  readonly sources = new Map<string, KnowledgeSource>()
  readonly uploads = new Map<string, Upload>()
  readonly batches = new Map<string, Batch>()
  readonly signingKey = randomBytes(32)
  /** Changed in place, never replaced: the emulator object hands out this very object. */
  readonly settings: StackspotEmulatorSettings = { ...DEFAULT_SETTINGS }

  view(ks: KnowledgeSource): KsView {
    return {
      id: ks.id,
      slug: ks.slug,
      name: ks.name,
      description: ks.description,
      type: ks.type,
      creator: 'emulator',
      visibility_level: 'personal',
      created_at: ks.created_at,
      object_count: ks.objects.length
    }
  }

  objectView(o: KsObject): ObjectView {
    return {
      id: o.id,
      file_path: o.file_path === null ? null : listedPath(this.settings.filePathEcho, o.file_path),
      checksum: listedChecksum(this.settings.checksum, o.content) ?? '',
      standalone: o.standalone,
      size: o.size,
      upload_id: o.uploadId ?? null,
      created_at: o.created_at,
      updated_at: o.updated_at
    }
  }

  statusView(u: Upload): UploadView {
    const words: Record<UploadStatus, string> = {
      NEW: 'NEW',
      PROCESSING: this.settings.pendingWord,
      INDEXED: this.settings.doneWord,
      ERROR: this.settings.failedWord
    }
    return {
      id: u.id,
      file_name: listedPath(this.settings.filePathEcho, u.file_name),
      target_id: u.target_id,
      target_type: u.target_type,
      status: words[u.status],
      ...(u.error_description ? { error_description: u.error_description } : {}),
      summary: u.summary
    }
  }

  requireKs(slug: string): KnowledgeSource {
    const ks = this.sources.get(slug)
    if (!ks) throw new EmuError(404, { message: `Knowledge Source ${slug} not found`, code: 'KS_NOT_FOUND' })
    return ks
  }

  ksReady(ks: KnowledgeSource): void {
    const refuseOnce = (ks.refusalsLeft ?? 0) > 0
    if (refuseOnce) ks.refusalsLeft = ks.refusalsLeft! - 1
    if (refuseOnce || Date.now() < ks.acceptsUploadsAt) {
      throw new EmuError(403, { message: 'You do not have permission to upload to this Knowledge Source', code: 'FORBIDDEN' })
    }
  }

  addObject(ks: KnowledgeSource, o: Omit<KsObject, 'id' | 'created_at' | 'updated_at'>): KsObject {
    const t = now()
    const obj: KsObject = { ...o, id: ulid(), created_at: t, updated_at: t }
    ks.objects.push(obj)
    return obj
  }

  /** Finishes the processing that is due. Called before every read, so time alone moves state on. */
  settle(): void {
    const t = Date.now()
    for (const ks of this.sources.values()) {
      if (ks.objects.some((o) => o.deleteAt !== undefined && o.deleteAt <= t)) ks.objects = ks.objects.filter((o) => o.deleteAt === undefined || o.deleteAt > t)
    }
    for (const u of this.uploads.values()) {
      if (u.status !== 'PROCESSING' || (u.processingUntil ?? 0) > t) continue
      const ks = this.sources.get(u.target_id)
      const fault = this.ctx.faults.take('stackspot-processing-error', u.file_name)
      if (!ks) {
        u.status = 'ERROR'
        u.error_description = `Knowledge Source ${u.target_id} no longer exists`
      } else if (fault) {
        u.status = 'ERROR'
        u.error_description = String(fault.data?.message ?? `Could not extract knowledge objects from ${u.file_name}`)
        u.summary.errors = 1
      } else {
        // A second upload of a path adds a new object; the old one stays until someone deletes it.
        const obj = this.addObject(ks, {
          file_path: u.file_name,
          checksum: sha256(u.file!),
          standalone: false,
          size: u.file!.length,
          content: u.file!,
          origin: 'file-upload',
          uploadId: u.id
        })
        u.objectId = obj.id
        u.status = 'INDEXED'
        u.summary.added = 1
      }
    }
    for (const b of this.batches.values()) {
      if (b.status !== 'PROCESSING' || b.applyAt > t) continue
      this.applyBatch(b, t)
    }
  }

  /** Applies what is due of a batch: all of it, or in the slow zip mode the entries whose turn has come. */
  private applyBatch(b: Batch, t: number): void {
    const ks = this.sources.get(b.slug)
    if (!ks) {
      b.status = 'DONE'
      return
    }
    if (!b.started) {
      b.started = true
      const inZip = new Set(b.entries.map((e) => e.path))
      if (b.autoDelete && ks.lastBatchId) {
        // Only what the previous zip brought in and this one no longer has; never standalone objects.
        const before = ks.objects.length
        ks.objects = ks.objects.filter((o) => o.standalone || o.origin !== 'zip' || o.batchId !== ks.lastBatchId || inZip.has(o.file_path ?? ''))
        b.summary.removed = before - ks.objects.length
      }
      // The next auto-delete compares against this zip: objects it preserved belong to it as well.
      ks.lastBatchId = b.id
    }
    const interval = this.settings.zipEntryIntervalMs
    const due = interval > 0 ? Math.min(b.entries.length, Math.floor((t - b.applyAt) / interval) + 1) : b.entries.length
    for (; b.applied < due; b.applied++) {
      const e = b.entries[b.applied]!
      if (this.ctx.faults.take('stackspot-processing-error', e.path)) {
        b.summary.errors++
        b.errors.push(`${e.path}: could not extract knowledge objects`)
        continue
      }
      const checksum = sha256(e.content)
      const same = ks.objects.find((o) => !o.standalone && o.file_path === e.path && o.checksum === checksum && b.knownIds.has(o.id))
      if (same) {
        same.origin = 'zip'
        same.batchId = b.id
        same.updated_at = now()
        b.summary.preserved++
      } else {
        this.addObject(ks, { file_path: e.path, checksum, standalone: false, size: e.content.length, content: e.content, origin: 'zip', batchId: b.id })
        b.summary.added++
      }
    }
    if (b.applied >= b.entries.length) b.status = 'DONE'
  }

  state(): StackspotState {
    this.settle()
    return {
      knowledgeSources: [...this.sources.values()].map((ks) => ({
        ...this.view(ks),
        objects: ks.objects.map((o) => ({
          ...this.objectView(o),
          origin: o.origin,
          content: o.content.length <= STATE_CONTENT_BYTES ? o.content.toString('utf8') : undefined
        }))
      })),
      uploads: [...this.uploads.values()].map((u) => ({ ...this.statusView(u), size: u.file?.length ?? null, split_strategy: u.split_strategy ?? null })),
      batches: [...this.batches.values()].map((b) => ({
        id: b.id,
        slug: b.slug,
        autoDelete: b.autoDelete,
        status: b.status,
        files: b.entries.map((e) => e.path),
        summary: b.summary,
        errors: b.errors
      })),
      settings: this.settings
    }
  }

  reset(): void {
    this.sources.clear()
    this.uploads.clear()
    this.batches.clear()
    Object.assign(this.settings, DEFAULT_SETTINGS)
  }

  seed(b: StackspotSeed): StackspotSeeded {
    Object.assign(this.settings, b.settings ?? {})
    const made: ObjectView[] = []
    for (const s of b.knowledgeSources ?? []) {
      let ks = this.sources.get(s.slug)
      if (!ks) {
        ks = {
          id: ulid(),
          slug: s.slug,
          name: s.name ?? s.slug,
          description: s.description ?? '',
          type: (s.type ?? 'custom').toLowerCase(),
          created_at: now(),
          acceptsUploadsAt: 0,
          objects: []
        }
        this.sources.set(s.slug, ks)
      }
      for (const o of s.objects ?? []) {
        const content = Buffer.from(o.content)
        const standalone = o.standalone ?? true
        made.push(
          this.objectView(
            this.addObject(ks, {
              file_path: o.file_path ?? null,
              checksum: sha256(content),
              standalone,
              size: content.length,
              content,
              origin: standalone ? 'manual' : 'file-upload'
            })
          )
        )
      }
    }
    return { objects: made, settings: this.settings }
  }
}
