/**
 * The per-file flow: upload form → the pre-signed S3 POST (served here, checked as S3 checks it)
 * → knowledge objects → status polling.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { EmuError, type EmuRequest, type EmuResult, type Router } from '../../framework.ts'
import { parseMultipart } from '../../multipart.ts'
import type { StackSpotIdm } from '../stackspot-idm/index.ts'
import { MAX_FILE_BYTES, unsafePath } from './files.ts'
import { ulid, type StackspotStore } from './state.ts'

const SPLIT_STRATEGIES = ['NONE', 'LINES_QUANTITY', 'TOKENS_QUANTITY', 'CHARACTERS_QUANTITY', 'SYNTACTIC', 'ENDPOINT']
const BUCKET = 'stackspot-genai-uploads'

export function registerUploadRoutes(router: Router, store: StackspotStore, idm: StackSpotIdm): void {
  router.add('POST', '/stackspot/v2/file-upload/form', (req) => uploadForm(store, idm, req))
  router.add('POST', `/stackspot/s3/:bucket`, (req) => s3Post(store, req))
  router.add('POST', '/stackspot/v1/file-upload/:id/knowledge-objects', (req) => {
    if (store.settings.processingStep === 'file-upload')
      throw new EmuError(404, { message: 'No static resource v1/file-upload/knowledge-objects.', code: 'NOT_FOUND' })
    return knowledgeObjects(store, idm, req)
  })
  // Some deployments start processing here instead (NOTES §1(b) "variants seen"); others have no such route.
  router.add('POST', '/stackspot/v1/file-upload/:id', (req) => {
    if (store.settings.processingStep !== 'file-upload')
      throw new EmuError(405, { message: "Request method 'POST' is not supported", code: 'METHOD_NOT_ALLOWED' })
    return knowledgeObjects(store, idm, req)
  })
  router.add('GET', '/stackspot/v1/file-upload/:id', (req) => {
    idm.authenticate(req)
    store.settle()
    const u = store.uploads.get(req.params.id!)
    if (!u) throw new EmuError(404, { message: `Upload ${req.params.id} not found`, code: 'UPLOAD_NOT_FOUND' })
    return { status: 200, json: store.statusView(u) }
  })
}

function s3Error(status: number, code: string, message: string): EmuError {
  return new EmuError(
    status,
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`,
    {
      'content-type': 'application/xml'
    }
  )
}

function uploadForm(store: StackspotStore, idm: StackSpotIdm, req: EmuRequest): EmuResult {
  idm.authenticate(req)
  store.settle()
  const body = req.json() as Record<string, unknown>
  const fileName = body.file_name
  if (typeof fileName !== 'string' || fileName === '') throw new EmuError(422, { message: 'file_name is required', code: 'INVALID_FILE_NAME' })
  const unsafe = unsafePath(fileName)
  if (unsafe) throw new EmuError(422, { message: `file_name ${unsafe}`, code: 'INVALID_FILE_NAME' })
  if (body.target_type !== 'KNOWLEDGE_SOURCE') throw new EmuError(422, { message: 'target_type must be KNOWLEDGE_SOURCE', code: 'INVALID_TARGET_TYPE' })
  if (typeof body.target_id !== 'string') throw new EmuError(422, { message: 'target_id is required', code: 'INVALID_TARGET' })
  const ks = store.sources.get(body.target_id)
  if (!ks) throw new EmuError(404, { message: `Knowledge Source ${body.target_id} not found`, code: 'KS_NOT_FOUND' })
  store.ksReady(ks)
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
  const nullToken = store.settings.formNullToken
  const form: Record<string, string> = {
    key,
    'x-amz-algorithm': 'AWS4-HMAC-SHA256',
    'x-amz-credential': `${nullToken ? 'AKIA' : 'ASIA'}EMULATOR/${date.slice(0, 8)}/us-east-1/s3/aws4_request`,
    'x-amz-date': date,
    ...(nullToken ? {} : { 'x-amz-security-token': randomBytes(48).toString('base64') }),
    policy,
    'x-amz-signature': createHmac('sha256', store.signingKey).update(policy).digest('hex')
  }
  store.uploads.set(id, {
    id,
    file_name: fileName,
    target_id: ks.slug,
    target_type: 'KNOWLEDGE_SOURCE',
    form,
    expiresAt,
    status: 'NEW',
    summary: { added: 0, preserved: 0, removed: 0, errors: 0 }
  })
  // Long-lived keys have no session token; a server serialising that field anyway answers null.
  const answered = nullToken ? { ...form, 'x-amz-security-token': null } : form
  return { status: 201, json: { id, url: `${store.ctx.baseUrl()}/stackspot/s3/${BUCKET}`, form: answered } }
}

/** The pre-signed POST, checked the way S3 checks it. */
function s3Post(store: StackspotStore, req: EmuRequest): EmuResult {
  if (req.headers.authorization !== undefined) {
    throw s3Error(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm form field or the Authorization header may be given')
  }
  if (req.headers['content-length'] === undefined) throw s3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.')
  const parts = parseMultipart(req.body, req.headers['content-type'], (d) =>
    s3Error(400, 'MalformedPOSTRequest', `The body of your POST request is not well-formed multipart/form-data: ${d}`)
  )
  const fileIndex = parts.findIndex((p) => p.name === 'file')
  if (fileIndex < 0) throw s3Error(400, 'InvalidArgument', 'POST requires exactly one file upload per request.')
  if (fileIndex !== parts.length - 1) {
    throw s3Error(400, 'InvalidArgument', 'The file field must be the last field in the form; fields after it are not read.')
  }
  const fields = new Map(parts.slice(0, fileIndex).map((p) => [p.name.toLowerCase(), p.data.toString('utf8')]))
  const upload = [...store.uploads.values()].find((u) => u.form.key === fields.get('key'))
  if (!upload) throw s3Error(403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", …]')
  for (const [name, value] of Object.entries(upload.form)) {
    const sent = fields.get(name)
    if (sent === undefined) throw s3Error(400, 'InvalidArgument', `Bucket POST must contain a field named '${name}'.`)
    if (sent !== value) {
      throw s3Error(
        403,
        name === 'x-amz-signature' || name === 'policy' ? 'SignatureDoesNotMatch' : 'AccessDenied',
        `The field ${name} does not match the signed policy.`
      )
    }
  }
  // S3 refuses form fields the policy does not cover (a "null" token among them).
  const extra = [...fields.keys()].filter((name) => !(name in upload.form))
  if (extra.length > 0) throw s3Error(403, 'AccessDenied', `Invalid according to Policy: Extra input fields: ${extra.join(', ')}`)
  if (Date.now() > upload.expiresAt) throw s3Error(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.')
  const file = parts[fileIndex]!.data
  if (file.length > MAX_FILE_BYTES) throw s3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size')
  if (upload.status !== 'NEW' || upload.landed) throw s3Error(403, 'AccessDenied', 'Invalid according to Policy: this form was already used.')
  upload.file = Buffer.from(file)
  if (store.settings.processingStep === 'knowledge-objects') {
    // Processing starts when the file lands, as in the docs' script (form → S3 → poll status).
    upload.status = 'PROCESSING'
    upload.processingUntil = Date.now() + store.ctx.processingMs
  } else upload.landed = true
  return {
    status: 204,
    headers: {
      etag: `"${createHash('md5').update(file).digest('hex')}"`,
      location: `${store.ctx.baseUrl()}/stackspot/s3/${BUCKET}/${encodeURI(upload.form.key!)}`
    }
  }
}

function knowledgeObjects(store: StackspotStore, idm: StackSpotIdm, req: EmuRequest): EmuResult {
  idm.authenticate(req)
  store.settle()
  const upload = store.uploads.get(req.params.id!)
  if (!upload) throw new EmuError(404, { message: `Upload ${req.params.id} not found`, code: 'UPLOAD_NOT_FOUND' })
  const body = req.json() as Record<string, unknown>
  const strategy = body.split_strategy
  if (typeof strategy !== 'string' || !SPLIT_STRATEGIES.includes(strategy)) {
    throw new EmuError(422, { message: `split_strategy must be one of ${SPLIT_STRATEGIES.join(', ')}`, code: 'INVALID_SPLIT_STRATEGY' })
  }
  if (upload.status === 'NEW' && !upload.landed) throw new EmuError(422, { message: 'The file has not been uploaded yet', code: 'FILE_NOT_UPLOADED' })
  upload.split_strategy = strategy
  if (upload.status === 'NEW') {
    upload.status = 'PROCESSING'
    upload.processingUntil = Date.now() + store.ctx.processingMs
  }
  return { status: 200, json: store.statusView(upload) }
}
