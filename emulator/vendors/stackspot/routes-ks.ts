/** Knowledge Sources: create and get, list and delete objects, and the zip batch with auto-delete. */
import { EmuError, type EmuRequest, type EmuResult, type Router } from '../../framework.ts'
import { parseMultipart } from '../../multipart.ts'
import type { StackSpotIdm } from '../stackspot-idm/index.ts'
import { MAX_ZIP_BYTES, readZip } from './files.ts'
import { now, ulid, type Batch, type KnowledgeSource, type StackspotStore } from './state.ts'

const KS_TYPES = ['api', 'snippet', 'custom']

export function registerKsRoutes(router: Router, store: StackspotStore, idm: StackSpotIdm): void {
  router.add('POST', '/stackspot/v1/knowledge-sources', (req) => createKs(store, idm, req))
  router.add('GET', '/stackspot/v1/knowledge-sources/:slug', (req) => {
    idm.authenticate(req)
    return { status: 200, json: store.view(store.requireKs(req.params.slug!)) }
  })
  router.add('GET', '/stackspot/v1/knowledge-sources/:slug/objects', (req) => {
    idm.authenticate(req)
    store.settle()
    const listed: unknown[] = store
      .requireKs(req.params.slug!)
      .objects.map((o) => store.objectView(o))
      .map(({ checksum, ...o }) => (store.settings.checksum === 'absent' ? o : { ...o, checksum }))
    // A row the action cannot read: a folder entry without an id, its fields of other types.
    if (store.settings.oddListingItem) listed.push({ file_path: 7, checksum: false, standalone: 'no', created_at: now() })
    return { status: 200, json: objectsPage(store, listed, req) }
  })
  router.add('DELETE', '/stackspot/v1/knowledge-sources/:slug/objects/:objectId', (req) => {
    idm.authenticate(req)
    store.settle()
    const ks = store.requireKs(req.params.slug!)
    const i = ks.objects.findIndex((o) => o.id === req.params.objectId)
    const mode = store.settings.deleteMode
    // A server that deletes by another id than the one it lists: every DELETE by listed id is "not found".
    if (i < 0 || mode === 'kept-404') throw new EmuError(404, { message: `Object ${req.params.objectId} not found`, code: 'OBJECT_NOT_FOUND' })
    if (mode === 'lagged') {
      ks.objects[i]!.deleteAt ??= Date.now() + 300
      return { status: 202 }
    }
    ks.objects.splice(i, 1)
    return { status: 204 }
  })
  router.add('DELETE', '/stackspot/v1/knowledge-sources/:slug/objects', (req) => {
    idm.authenticate(req)
    store.settle()
    const ks = store.requireKs(req.params.slug!)
    const standalone = req.url.searchParams.get('standalone')
    if (standalone === 'true') ks.objects = ks.objects.filter((o) => !o.standalone)
    else if (standalone === 'false') ks.objects = ks.objects.filter((o) => o.standalone)
    else if (standalone === null) ks.objects = []
    else throw new EmuError(400, { message: 'standalone must be true or false', code: 'INVALID_PARAMETER' })
    return { status: 204 }
  })
  router.add('POST', '/stackspot/v1/knowledge-sources/:slug/objects/batch', (req) => batch(store, idm, req))
}

function createKs(store: StackspotStore, idm: StackSpotIdm, req: EmuRequest): EmuResult {
  idm.authenticate(req)
  const body = req.json() as Record<string, unknown>
  const slug = body.slug
  if (typeof slug !== 'string' || !/^[a-z0-9][a-z0-9_-]*$/i.test(slug)) {
    throw new EmuError(422, { message: 'slug is required and may hold letters, digits, - and _', code: 'INVALID_SLUG' })
  }
  if (typeof body.name !== 'string' || body.name.trim() === '') throw new EmuError(422, { message: 'name is required', code: 'INVALID_NAME' })
  const type = typeof body.type === 'string' ? body.type.toLowerCase() : ''
  if (!KS_TYPES.includes(type)) throw new EmuError(422, { message: 'type must be one of API, SNIPPET or CUSTOM', code: 'INVALID_TYPE' })
  if (store.sources.has(slug)) throw new EmuError(409, { message: `Knowledge Source ${slug} already exists`, code: 'KS_ALREADY_EXISTS' })
  const ks: KnowledgeSource = {
    id: ulid(),
    slug,
    name: body.name,
    description: typeof body.description === 'string' ? body.description : '',
    type,
    created_at: now(),
    acceptsUploadsAt: Date.now() + store.settings.newKsDelayMs,
    refusalsLeft: store.settings.newKsRefusals,
    objects: []
  }
  store.sources.set(slug, ks)
  return { status: 201, json: store.view(ks) }
}

/** The listing as `objectsPageSize`/`objectsPageShape` serve it: one array, or the page asked for (from 1). */
function objectsPage(store: StackspotStore, listed: unknown[], req: EmuRequest): unknown {
  const max = store.settings.objectsPageSize
  if (max <= 0) return listed
  const asked = (name: string) => {
    const v = Number.parseInt(req.url.searchParams.get(name) ?? '', 10)
    return Number.isFinite(v) && v > 0 ? v : undefined
  }
  const size = Math.min(asked('size') ?? max, max)
  const page = asked('page') ?? 1
  const items = listed.slice((page - 1) * size, page * size)
  if (store.settings.objectsPageShape === 'array') return items
  return { items, page, size, total: listed.length, total_pages: Math.ceil(listed.length / size) }
}

async function batch(store: StackspotStore, idm: StackSpotIdm, req: EmuRequest): Promise<EmuResult> {
  idm.authenticate(req)
  const mode = store.settings.zipBatch
  if (mode === 'missing-404') throw new EmuError(404, { message: 'No static resource v1/knowledge-sources/objects/batch.', code: 'NOT_FOUND' })
  if (mode === 'missing-405') throw new EmuError(405, { message: "Request method 'POST' is not supported", code: 'METHOD_NOT_ALLOWED' })
  store.settle()
  const ks = store.requireKs(req.params.slug!)
  store.ksReady(ks)
  const autoDeleteParam = req.url.searchParams.get('auto-delete')
  if (autoDeleteParam !== null && autoDeleteParam !== 'true' && autoDeleteParam !== 'false') {
    throw new EmuError(400, { message: 'auto-delete must be true or false', code: 'INVALID_PARAMETER' })
  }
  const parts = parseMultipart(
    req.body,
    req.headers['content-type'],
    (d) => new EmuError(400, { message: `Malformed multipart body: ${d}`, code: 'BAD_REQUEST' })
  )
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
    applyAt: Date.now() + store.ctx.processingMs,
    entries,
    applied: 0,
    started: false,
    knownIds: new Set(ks.objects.map((o) => o.id)),
    summary: { added: 0, preserved: 0, removed: 0, errors: 0 },
    errors: []
  }
  store.batches.set(b.id, b)
  if (mode === 'sync') {
    // Indexed before the answer: the objects are listed when it arrives.
    b.applyAt = Date.now()
    store.settle()
    return { status: 200, json: { id: b.id, status: 'DONE', target_id: ks.slug, files: entries.length, summary: b.summary } }
  }
  // The docs do not say whether the batch is synchronous; this one indexes in the background.
  return { status: 202, json: { id: b.id, status: 'PROCESSING', target_id: ks.slug, files: entries.length } }
}
