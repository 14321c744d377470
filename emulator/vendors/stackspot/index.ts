/**
 * StackSpot AI Knowledge Sources, as stackspot-knowledge-sources.txt and NOTES.md §1 describe them:
 * KS create/get, object listing with checksums, deletes by id and in bulk (`standalone`), the
 * per-file flow (upload form → pre-signed S3 POST served here → processing → status polling) and
 * the zip batch with `auto-delete`. Where the docs are silent the choices are listed in
 * docs/stackspot.md ("What the emulator does where the docs are silent").
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import yauzl from 'yauzl'
import { EmuError, type EmuContext, type EmuRequest, type Router, type VendorEmulator } from '../../framework.ts'
import { parseMultipart } from '../../multipart.ts'
import type { StackSpotIdm } from '../stackspot-idm/index.ts'

/** "When adding new files to a Knowledge Source, the limit is 10 MiB." */
export const MAX_FILE_BYTES = 10 * 1024 * 1024
/** A zip is one upload: the same limit applies to the archive as a whole and to every entry. */
export const MAX_ZIP_BYTES = 10 * 1024 * 1024
/** Guards the emulator against zip bombs; far above anything a 10 MiB archive of docs holds. */
const MAX_ZIP_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
const MAX_ZIP_ENTRIES = 50_000
/** Small text objects are shown in state() so tests can assert on content. */
const STATE_CONTENT_BYTES = 64 * 1024
const KS_TYPES = ['api', 'snippet', 'custom']
const SPLIT_STRATEGIES = ['NONE', 'LINES_QUANTITY', 'TOKENS_QUANTITY', 'CHARACTERS_QUANTITY', 'SYNTACTIC', 'ENDPOINT']
const BUCKET = 'stackspot-genai-uploads'

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
  created_at: string
  updated_at: string
}

interface KnowledgeSource {
  id: string
  slug: string
  name: string
  description: string
  type: string
  created_at: string
  /** Uploads are refused (403) until then: the vendor's "async permissions" after creation. */
  acceptsUploadsAt: number
  objects: KsObject[]
  /** The last zip batch applied, whose files auto-delete compares against. */
  lastBatchId?: string
}

type UploadStatus = 'NEW' | 'PROCESSING' | 'INDEXED' | 'ERROR'

interface Upload {
  id: string
  file_name: string
  target_id: string
  target_type: string
  form: Record<string, string>
  expiresAt: number
  status: UploadStatus
  error_description?: string
  file?: Buffer
  processingUntil?: number
  split_strategy?: string
  objectId?: string
  summary: { added: number; preserved: number; removed: number; errors: number }
}

interface Batch {
  id: string
  slug: string
  autoDelete: boolean
  status: 'PROCESSING' | 'DONE'
  applyAt: number
  entries: Array<{ path: string; content: Buffer }>
  summary: { added: number; preserved: number; removed: number; errors: number }
  errors: string[]
}

export interface StackspotEmulatorSettings {
  /** How long a new KS refuses upload forms and batches (403), in ms. */
  newKsDelayMs: number
}

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

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const now = () => new Date().toISOString()
const ulid = () => `01${randomBytes(12).toString('hex').toUpperCase().slice(0, 24)}`

function s3Error(status: number, code: string, message: string): EmuError {
  return new EmuError(status, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`, {
    'content-type': 'application/xml'
  })
}

/** A repo-relative POSIX path: no absolute, drive or `..` parts, no backslashes or NULs. */
export function unsafePath(path: string): string | undefined {
  if (path === '') return 'is empty'
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is absolute'
  if (path.includes('\\')) return 'contains a backslash'
  if (path.includes('\0')) return 'contains a NUL byte'
  if (path.split('/').some((s) => s === '..' || s === '.')) return 'contains a "." or ".." segment'
  return undefined
}

export function createStackspotEmulator(idm: StackSpotIdm): VendorEmulator & { settings: StackspotEmulatorSettings } {
  let ctx: EmuContext
  const sources = new Map<string, KnowledgeSource>()
  const uploads = new Map<string, Upload>()
  const batches = new Map<string, Batch>()
  const signingKey = randomBytes(32)
  const defaults: StackspotEmulatorSettings = { newKsDelayMs: 200 }
  const settings: StackspotEmulatorSettings = { ...defaults }

  function view(ks: KnowledgeSource) {
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
  function objectView(o: KsObject) {
    return {
      id: o.id,
      file_path: o.file_path,
      checksum: o.checksum,
      standalone: o.standalone,
      size: o.size,
      upload_id: o.uploadId ?? null,
      created_at: o.created_at,
      updated_at: o.updated_at
    }
  }
  function requireKs(slug: string): KnowledgeSource {
    const ks = sources.get(slug)
    if (!ks) throw new EmuError(404, { message: `Knowledge Source ${slug} not found`, code: 'KS_NOT_FOUND' })
    return ks
  }
  function addObject(ks: KnowledgeSource, o: Omit<KsObject, 'id' | 'created_at' | 'updated_at'>): KsObject {
    const t = now()
    const obj: KsObject = { ...o, id: ulid(), created_at: t, updated_at: t }
    ks.objects.push(obj)
    return obj
  }

  /** Finishes the processing that is due. Called before every read, so time alone moves state on. */
  function settle(): void {
    const t = Date.now()
    for (const u of uploads.values()) {
      if (u.status !== 'PROCESSING' || (u.processingUntil ?? 0) > t) continue
      const ks = sources.get(u.target_id)
      const fault = ctx.faults.take('stackspot-processing-error', u.file_name)
      if (!ks) {
        u.status = 'ERROR'
        u.error_description = `Knowledge Source ${u.target_id} no longer exists`
      } else if (fault) {
        u.status = 'ERROR'
        u.error_description = String(fault.data?.message ?? `Could not extract knowledge objects from ${u.file_name}`)
        u.summary.errors = 1
      } else {
        // A second upload of a path adds a new object; the old one stays until someone deletes it.
        const obj = addObject(ks, { file_path: u.file_name, checksum: sha256(u.file!), standalone: false, size: u.file!.length, content: u.file!, origin: 'file-upload', uploadId: u.id })
        u.objectId = obj.id
        u.status = 'INDEXED'
        u.summary.added = 1
      }
    }
    for (const b of batches.values()) {
      if (b.status !== 'PROCESSING' || b.applyAt > t) continue
      applyBatch(b)
    }
  }

  function applyBatch(b: Batch): void {
    b.status = 'DONE'
    const ks = sources.get(b.slug)
    if (!ks) return
    const inZip = new Set(b.entries.map((e) => e.path))
    if (b.autoDelete && ks.lastBatchId) {
      // Only what the previous zip brought in and this one no longer has; never standalone objects.
      const before = ks.objects.length
      ks.objects = ks.objects.filter((o) => o.standalone || o.origin !== 'zip' || o.batchId !== ks.lastBatchId || inZip.has(o.file_path ?? ''))
      b.summary.removed = before - ks.objects.length
    }
    for (const e of b.entries) {
      if (ctx.faults.take('stackspot-processing-error', e.path)) {
        b.summary.errors++
        b.errors.push(`${e.path}: could not extract knowledge objects`)
        continue
      }
      const checksum = sha256(e.content)
      const same = ks.objects.find((o) => !o.standalone && o.file_path === e.path && o.checksum === checksum)
      if (same) {
        same.origin = 'zip'
        same.batchId = b.id
        same.updated_at = now()
        b.summary.preserved++
      } else {
        addObject(ks, { file_path: e.path, checksum, standalone: false, size: e.content.length, content: e.content, origin: 'zip', batchId: b.id })
        b.summary.added++
      }
    }
    // The next auto-delete compares against this zip: objects it preserved belong to it as well.
    ks.lastBatchId = b.id
  }

  function ksReady(ks: KnowledgeSource): void {
    if (Date.now() < ks.acceptsUploadsAt) {
      throw new EmuError(403, { message: 'You do not have permission to upload to this Knowledge Source', code: 'FORBIDDEN' })
    }
  }

  function createKs(req: EmuRequest) {
    idm.authenticate(req)
    const body = req.json() as Record<string, unknown>
    const slug = body.slug
    if (typeof slug !== 'string' || !/^[a-z0-9][a-z0-9_-]*$/i.test(slug)) {
      throw new EmuError(422, { message: 'slug is required and may hold letters, digits, - and _', code: 'INVALID_SLUG' })
    }
    if (typeof body.name !== 'string' || body.name.trim() === '') throw new EmuError(422, { message: 'name is required', code: 'INVALID_NAME' })
    const type = typeof body.type === 'string' ? body.type.toLowerCase() : ''
    if (!KS_TYPES.includes(type)) throw new EmuError(422, { message: 'type must be one of API, SNIPPET or CUSTOM', code: 'INVALID_TYPE' })
    if (sources.has(slug)) throw new EmuError(409, { message: `Knowledge Source ${slug} already exists`, code: 'KS_ALREADY_EXISTS' })
    const ks: KnowledgeSource = {
      id: ulid(),
      slug,
      name: body.name,
      description: typeof body.description === 'string' ? body.description : '',
      type,
      created_at: now(),
      acceptsUploadsAt: Date.now() + settings.newKsDelayMs,
      objects: []
    }
    sources.set(slug, ks)
    return { status: 201, json: view(ks) }
  }

  function uploadForm(req: EmuRequest) {
    idm.authenticate(req)
    settle()
    const body = req.json() as Record<string, unknown>
    const fileName = body.file_name
    if (typeof fileName !== 'string' || fileName === '') throw new EmuError(422, { message: 'file_name is required', code: 'INVALID_FILE_NAME' })
    const unsafe = unsafePath(fileName)
    if (unsafe) throw new EmuError(422, { message: `file_name ${unsafe}`, code: 'INVALID_FILE_NAME' })
    if (body.target_type !== 'KNOWLEDGE_SOURCE') throw new EmuError(422, { message: 'target_type must be KNOWLEDGE_SOURCE', code: 'INVALID_TARGET_TYPE' })
    if (typeof body.target_id !== 'string') throw new EmuError(422, { message: 'target_id is required', code: 'INVALID_TARGET' })
    const ks = sources.get(body.target_id)
    if (!ks) throw new EmuError(404, { message: `Knowledge Source ${body.target_id} not found`, code: 'KS_NOT_FOUND' })
    ksReady(ks)
    const expiration = typeof body.expiration === 'number' && body.expiration > 0 ? body.expiration : 600
    const id = ulid()
    const expiresAt = Date.now() + expiration * 1000
    const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')
    const key = `knowledge-source/${ks.id}/${id}/${fileName}`
    const policy = Buffer.from(
      JSON.stringify({
        expiration: new Date(expiresAt).toISOString(),
        conditions: [{ bucket: BUCKET }, { key }, ['content-length-range', 0, MAX_FILE_BYTES]]
      })
    ).toString('base64')
    const form: Record<string, string> = {
      key,
      'x-amz-algorithm': 'AWS4-HMAC-SHA256',
      'x-amz-credential': `ASIAEMULATOR/${date.slice(0, 8)}/us-east-1/s3/aws4_request`,
      'x-amz-date': date,
      'x-amz-security-token': randomBytes(48).toString('base64'),
      policy,
      'x-amz-signature': createHmac('sha256', signingKey).update(policy).digest('hex')
    }
    uploads.set(id, {
      id,
      file_name: fileName,
      target_id: ks.slug,
      target_type: 'KNOWLEDGE_SOURCE',
      form,
      expiresAt,
      status: 'NEW',
      summary: { added: 0, preserved: 0, removed: 0, errors: 0 }
    })
    return { status: 201, json: { id, url: `${ctx.baseUrl()}/stackspot/s3/${BUCKET}`, form } }
  }

  /** The pre-signed POST, checked the way S3 checks it. */
  function s3Post(req: EmuRequest) {
    if (req.headers.authorization !== undefined) {
      throw s3Error(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm form field or the Authorization header may be given')
    }
    if (req.headers['content-length'] === undefined) throw s3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.')
    const parts = parseMultipart(req.body, req.headers['content-type'], (d) => s3Error(400, 'MalformedPOSTRequest', `The body of your POST request is not well-formed multipart/form-data: ${d}`))
    const fileIndex = parts.findIndex((p) => p.name === 'file')
    if (fileIndex < 0) throw s3Error(400, 'InvalidArgument', 'POST requires exactly one file upload per request.')
    if (fileIndex !== parts.length - 1) {
      throw s3Error(400, 'InvalidArgument', 'The file field must be the last field in the form; fields after it are not read.')
    }
    const fields = new Map(parts.slice(0, fileIndex).map((p) => [p.name.toLowerCase(), p.data.toString('utf8')]))
    const upload = [...uploads.values()].find((u) => u.form.key === fields.get('key'))
    if (!upload) throw s3Error(403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", …]')
    for (const [name, value] of Object.entries(upload.form)) {
      const sent = fields.get(name)
      if (sent === undefined) throw s3Error(400, 'InvalidArgument', `Bucket POST must contain a field named '${name}'.`)
      if (sent !== value) {
        throw s3Error(403, name === 'x-amz-signature' || name === 'policy' ? 'SignatureDoesNotMatch' : 'AccessDenied', `The field ${name} does not match the signed policy.`)
      }
    }
    if (Date.now() > upload.expiresAt) throw s3Error(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.')
    const file = parts[fileIndex]!.data
    if (file.length > MAX_FILE_BYTES) throw s3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size')
    if (upload.status !== 'NEW') throw s3Error(403, 'AccessDenied', 'Invalid according to Policy: this form was already used.')
    upload.file = Buffer.from(file)
    // Processing starts when the file lands, as in the docs' script (form → S3 → poll status).
    upload.status = 'PROCESSING'
    upload.processingUntil = Date.now() + ctx.processingMs
    return { status: 204, headers: { etag: `"${createHash('md5').update(file).digest('hex')}"`, location: `${ctx.baseUrl()}/stackspot/s3/${BUCKET}/${encodeURI(upload.form.key!)}` } }
  }

  function knowledgeObjects(req: EmuRequest) {
    idm.authenticate(req)
    settle()
    const upload = uploads.get(req.params.id!)
    if (!upload) throw new EmuError(404, { message: `Upload ${req.params.id} not found`, code: 'UPLOAD_NOT_FOUND' })
    const body = req.json() as Record<string, unknown>
    const strategy = body.split_strategy
    if (typeof strategy !== 'string' || !SPLIT_STRATEGIES.includes(strategy)) {
      throw new EmuError(422, { message: `split_strategy must be one of ${SPLIT_STRATEGIES.join(', ')}`, code: 'INVALID_SPLIT_STRATEGY' })
    }
    if (upload.status === 'NEW') throw new EmuError(422, { message: 'The file has not been uploaded yet', code: 'FILE_NOT_UPLOADED' })
    upload.split_strategy = strategy
    return { status: 200, json: statusView(upload) }
  }

  function statusView(u: Upload) {
    return {
      id: u.id,
      file_name: u.file_name,
      target_id: u.target_id,
      target_type: u.target_type,
      status: u.status,
      ...(u.error_description ? { error_description: u.error_description } : {}),
      summary: u.summary
    }
  }

  async function batch(req: EmuRequest) {
    idm.authenticate(req)
    settle()
    const ks = requireKs(req.params.slug!)
    ksReady(ks)
    const autoDeleteParam = req.url.searchParams.get('auto-delete')
    if (autoDeleteParam !== null && autoDeleteParam !== 'true' && autoDeleteParam !== 'false') {
      throw new EmuError(400, { message: 'auto-delete must be true or false', code: 'INVALID_PARAMETER' })
    }
    const parts = parseMultipart(req.body, req.headers['content-type'], (d) => new EmuError(400, { message: `Malformed multipart body: ${d}`, code: 'BAD_REQUEST' }))
    const zipPart = parts.find((p) => p.name === 'objects_zip')
    if (!zipPart) throw new EmuError(400, { message: 'Required part objects_zip is missing', code: 'BAD_REQUEST' })
    if (zipPart.data.length > MAX_ZIP_BYTES) {
      throw new EmuError(413, { message: `The zip file is larger than the 10 MiB limit (${zipPart.data.length} bytes)`, code: 'FILE_TOO_LARGE' })
    }
    const entries = await readZip(zipPart.data)
    const b: Batch = {
      id: ulid(),
      slug: ks.slug,
      autoDelete: autoDeleteParam === 'true',
      status: 'PROCESSING',
      applyAt: Date.now() + ctx.processingMs,
      entries,
      summary: { added: 0, preserved: 0, removed: 0, errors: 0 },
      errors: []
    }
    batches.set(b.id, b)
    // The docs do not say whether the batch is synchronous; this one indexes in the background.
    return { status: 202, json: { id: b.id, status: 'PROCESSING', target_id: ks.slug, files: entries.length } }
  }

  return {
    name: 'stackspot',
    settings,
    register(router: Router, c: EmuContext) {
      ctx = c
      router.add('POST', '/stackspot/v1/knowledge-sources', createKs)
      router.add('GET', '/stackspot/v1/knowledge-sources/:slug', (req) => {
        idm.authenticate(req)
        return { status: 200, json: view(requireKs(req.params.slug!)) }
      })
      router.add('GET', '/stackspot/v1/knowledge-sources/:slug/objects', (req) => {
        idm.authenticate(req)
        settle()
        return { status: 200, json: requireKs(req.params.slug!).objects.map(objectView) }
      })
      router.add('DELETE', '/stackspot/v1/knowledge-sources/:slug/objects/:objectId', (req) => {
        idm.authenticate(req)
        settle()
        const ks = requireKs(req.params.slug!)
        const i = ks.objects.findIndex((o) => o.id === req.params.objectId)
        if (i < 0) throw new EmuError(404, { message: `Object ${req.params.objectId} not found`, code: 'OBJECT_NOT_FOUND' })
        ks.objects.splice(i, 1)
        return { status: 204 }
      })
      router.add('DELETE', '/stackspot/v1/knowledge-sources/:slug/objects', (req) => {
        idm.authenticate(req)
        settle()
        const ks = requireKs(req.params.slug!)
        const standalone = req.url.searchParams.get('standalone')
        if (standalone === 'true') ks.objects = ks.objects.filter((o) => !o.standalone)
        else if (standalone === 'false') ks.objects = ks.objects.filter((o) => o.standalone)
        else if (standalone === null) ks.objects = []
        else throw new EmuError(400, { message: 'standalone must be true or false', code: 'INVALID_PARAMETER' })
        return { status: 204 }
      })
      router.add('POST', '/stackspot/v1/knowledge-sources/:slug/objects/batch', batch)
      router.add('POST', '/stackspot/v2/file-upload/form', uploadForm)
      router.add('POST', `/stackspot/s3/:bucket`, s3Post)
      router.add('POST', '/stackspot/v1/file-upload/:id/knowledge-objects', knowledgeObjects)
      router.add('GET', '/stackspot/v1/file-upload/:id', (req) => {
        idm.authenticate(req)
        settle()
        const u = uploads.get(req.params.id!)
        if (!u) throw new EmuError(404, { message: `Upload ${req.params.id} not found`, code: 'UPLOAD_NOT_FOUND' })
        return { status: 200, json: statusView(u) }
      })
    },
    state() {
      settle()
      return {
        knowledgeSources: [...sources.values()].map((ks) => ({
          ...view(ks),
          objects: ks.objects.map((o) => ({
            ...objectView(o),
            origin: o.origin,
            content: o.content.length <= STATE_CONTENT_BYTES ? o.content.toString('utf8') : undefined
          }))
        })),
        uploads: [...uploads.values()].map((u) => ({ ...statusView(u), size: u.file?.length ?? null, split_strategy: u.split_strategy ?? null })),
        batches: [...batches.values()].map((b) => ({ id: b.id, slug: b.slug, autoDelete: b.autoDelete, status: b.status, files: b.entries.map((e) => e.path), summary: b.summary, errors: b.errors })),
        settings
      }
    },
    reset() {
      sources.clear()
      uploads.clear()
      batches.clear()
      Object.assign(settings, defaults)
    },
    seed(body: unknown) {
      const b = body as StackspotSeed
      Object.assign(settings, b.settings ?? {})
      const made: unknown[] = []
      for (const s of b.knowledgeSources ?? []) {
        let ks = sources.get(s.slug)
        if (!ks) {
          ks = { id: ulid(), slug: s.slug, name: s.name ?? s.slug, description: s.description ?? '', type: (s.type ?? 'custom').toLowerCase(), created_at: now(), acceptsUploadsAt: 0, objects: [] }
          sources.set(s.slug, ks)
        }
        for (const o of s.objects ?? []) {
          const content = Buffer.from(o.content)
          const standalone = o.standalone ?? true
          made.push(objectView(addObject(ks, { file_path: o.file_path ?? null, checksum: sha256(content), standalone, size: content.length, content, origin: standalone ? 'manual' : 'file-upload' })))
        }
      }
      return { objects: made, settings }
    }
  }
}

/** Every file in the zip, validated: safe relative names, sizes within the limits, no duplicates. */
async function readZip(data: Buffer): Promise<Array<{ path: string; content: Buffer }>> {
  const bad = (message: string) => new EmuError(400, { message, code: 'INVALID_ZIP' })
  let zip: yauzl.ZipFile
  try {
    zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.fromBuffer(data, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, z) => (err || !z ? reject(err) : resolve(z)))
    )
  } catch (error) {
    throw bad(`objects_zip is not a valid zip file: ${error instanceof Error ? error.message : String(error)}`)
  }
  const entries: Array<{ path: string; content: Buffer }> = []
  const seen = new Set<string>()
  let total = 0
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject)
      zip.on('end', () => resolve())
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName
        if (name.endsWith('/')) return zip.readEntry()
        const unsafe = unsafePath(name)
        if (unsafe) return reject(bad(`zip entry "${name}" ${unsafe}`))
        if (seen.has(name)) return reject(bad(`zip entry "${name}" appears twice`))
        if (entry.uncompressedSize > MAX_FILE_BYTES) return reject(bad(`zip entry "${name}" is larger than the 10 MiB limit`))
        total += entry.uncompressedSize
        if (total > MAX_ZIP_UNCOMPRESSED_BYTES || seen.size >= MAX_ZIP_ENTRIES) return reject(bad('the zip expands beyond what a Knowledge Source accepts'))
        seen.add(name)
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err ?? new Error('no stream'))
          const chunks: Buffer[] = []
          stream.on('data', (c: Buffer) => chunks.push(c))
          stream.on('error', reject)
          stream.on('end', () => {
            entries.push({ path: name, content: Buffer.concat(chunks) })
            zip.readEntry()
          })
        })
      })
      zip.readEntry()
    })
  } catch (error) {
    if (error instanceof EmuError) throw error
    throw bad(`objects_zip could not be read: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    zip.close()
  }
  return entries
}
