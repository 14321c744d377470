/**
 * The StackSpot Knowledge Sources emulator held to the vendor docs (stackspot-knowledge-sources.txt,
 * NOTES.md §1): IDM tokens, KS create/get, the per-file flow with S3's POST-policy checks, status
 * lifecycle, zip batches with auto-delete, bulk deletes by `standalone`, the 10 MiB limit.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { DEMO_CLIENT, StackSpotIdm } from '../../emulator/vendors/stackspot-idm/index.ts'
import { createStackspotEmulator, type StackspotEmulator } from '../../emulator/vendors/stackspot/index.ts'
import { storedZip } from '../helpers/stored-zip.ts'

let emu: RunningEmulator<StackSpotIdm | StackspotEmulator>
let base: string
beforeAll(async () => {
  const idm = new StackSpotIdm()
  emu = await startEmulator({ vendors: [idm, createStackspotEmulator(idm)], processingMs: 40 })
  base = `${emu.url}/stackspot`
})
afterAll(() => emu.close())
beforeEach(() => {
  emu.reset()
  emu.ctx.processingMs = 40
  emu.ctx.tokenTtlSeconds = 1199
  ss().seed({ settings: { newKsDelayMs: 0 } })
})

const ss = () => emu.vendor('stackspot')
const ksState = (slug: string) =>
  ss()
    .state()
    .knowledgeSources.find((k) => k.slug === slug)
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex')

async function token(): Promise<string> {
  const res = await fetch(`${base}/idm/${DEMO_CLIENT.realm}/oidc/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret })
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { access_token: string }).access_token
}

async function call(method: string, path: string, body?: unknown, jwt?: string): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${jwt ?? (await token())}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, json, text }
}

async function createKs(slug = 'docs-ks') {
  return call('POST', '/v1/knowledge-sources', { slug, name: 'Docs', description: 'd', type: 'CUSTOM' })
}

/** The docs' curl -F: every form field, then the file. */
function s3Form(form: Record<string, string>, file: Buffer | string, opts: { fileFirst?: boolean; drop?: string } = {}): FormData {
  const fd = new FormData()
  if (opts.fileFirst) fd.append('file', new Blob([file]), 'a.md')
  for (const [k, v] of Object.entries(form)) if (k !== opts.drop) fd.append(k, v)
  if (!opts.fileFirst) fd.append('file', new Blob([file]), 'a.md')
  return fd
}

async function uploadForm(fileName: string, slug = 'docs-ks', jwt?: string) {
  return call('POST', '/v2/file-upload/form', { file_name: fileName, target_id: slug, target_type: 'KNOWLEDGE_SOURCE', expiration: 600 }, jwt)
}

async function waitStatus(id: string, jwt: string, want: string[]): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const r = await call('GET', `/v1/file-upload/${id}`, undefined, jwt)
    if (want.includes(r.json.status)) return r.json
    await new Promise((res) => setTimeout(res, 20))
  }
  throw new Error('status never reached')
}

async function postZip(slug: string, zip: Buffer, autoDelete: boolean | undefined, jwt: string) {
  const fd = new FormData()
  fd.append('objects_zip', new Blob([zip], { type: 'application/zip' }), 'docs.zip')
  const q = autoDelete === undefined ? '' : `?auto-delete=${autoDelete}`
  const res = await fetch(`${base}/v1/knowledge-sources/${slug}/objects/batch${q}`, { method: 'POST', headers: { authorization: `Bearer ${jwt}` }, body: fd })
  return { status: res.status, json: (await res.json()) as any }
}

async function settleBatches() {
  await new Promise((r) => setTimeout(r, emu.ctx.processingMs + 20))
}

describe('auth', () => {
  it('issues tokens for the right client only, and refuses API calls without a live token', async () => {
    const bad = await fetch(`${base}/idm/${DEMO_CLIENT.realm}/oidc/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: DEMO_CLIENT.clientId, client_secret: 'wrong' })
    })
    expect(bad.status).toBe(401)
    expect((await call('GET', '/v1/knowledge-sources/x', undefined, 'eyJ.nope')).status).toBe(401)
    const jwt = await token()
    emu.faults.add({ kind: 'vendor', name: 'stackspot-expire-tokens' })
    const expired = await call('GET', '/v1/knowledge-sources/x', undefined, jwt)
    expect(expired.status).toBe(401)
    expect(expired.json.code).toBe('token_expired')
  })
})

describe('knowledge sources', () => {
  it('creates a KS (type in either case), 409 on a duplicate slug, 404 for a missing one', async () => {
    const created = await call('POST', '/v1/knowledge-sources', { slug: 'k1', name: 'K one', description: 'x', type: 'SNIPPET' })
    expect(created.status).toBe(201)
    expect((await call('POST', '/v1/knowledge-sources', { slug: 'k2', name: 'K two', description: 'x', type: 'api' })).status).toBe(201)
    expect((await call('POST', '/v1/knowledge-sources', { slug: 'k1', name: 'again', description: 'x', type: 'custom' })).status).toBe(409)
    expect((await call('POST', '/v1/knowledge-sources', { slug: 'k3', name: 'bad', description: 'x', type: 'wiki' })).status).toBe(422)
    const got = await call('GET', '/v1/knowledge-sources/k1')
    expect(got.status).toBe(200)
    expect(got.json).toMatchObject({ slug: 'k1', name: 'K one', type: 'snippet' })
    expect((await call('GET', '/v1/knowledge-sources/nope')).status).toBe(404)
    expect((await call('GET', '/v1/knowledge-sources/nope/objects')).status).toBe(404)
  })

  it('refuses upload forms on a new KS for the configured delay, then accepts them', async () => {
    ss().seed({ settings: { newKsDelayMs: 300, newKsRefusals: 1 } })
    await createKs()
    const jwt = await token()
    expect((await uploadForm('a.md', 'docs-ks', jwt)).status).toBe(403)
    await new Promise((r) => setTimeout(r, 320))
    expect((await uploadForm('a.md', 'docs-ks', jwt)).status).toBe(201)
  })
})

describe('per-file upload flow', () => {
  it('form → S3 POST (fields, then file) → knowledge-objects → NEW/PROCESSING/INDEXED → object listed with a SHA-256 checksum', async () => {
    // Three requests lie between the file landing and the PROCESSING check: more than 40 ms on a busy machine.
    emu.ctx.processingMs = 500
    await createKs()
    const jwt = await token()
    const form = await uploadForm('guide/intro.md', 'docs-ks', jwt)
    expect(form.status).toBe(201)
    expect(Object.keys(form.json.form).sort()).toEqual([
      'key',
      'policy',
      'x-amz-algorithm',
      'x-amz-credential',
      'x-amz-date',
      'x-amz-security-token',
      'x-amz-signature'
    ])
    expect(form.json.url).toMatch(/\/stackspot\/s3\//)
    expect((await call('GET', `/v1/file-upload/${form.json.id}`, undefined, jwt)).json.status).toBe('NEW')
    // knowledge-objects before the file arrived is refused
    expect((await call('POST', `/v1/file-upload/${form.json.id}/knowledge-objects`, { split_strategy: 'NONE' }, jwt)).status).toBe(422)

    const s3 = await fetch(form.json.url, { method: 'POST', body: s3Form(form.json.form, '# Intro\n') })
    expect(s3.status).toBe(204)
    expect((await call('POST', `/v1/file-upload/${form.json.id}/knowledge-objects`, { split_strategy: 'BOGUS' }, jwt)).status).toBe(422)
    expect((await call('POST', `/v1/file-upload/${form.json.id}/knowledge-objects`, { split_strategy: 'NONE' }, jwt)).status).toBe(200)
    expect((await call('GET', `/v1/file-upload/${form.json.id}`, undefined, jwt)).json.status).toBe('PROCESSING')
    expect(ksState('docs-ks')!.objects).toEqual([])
    const done = await waitStatus(form.json.id, jwt, ['INDEXED', 'ERROR'])
    expect(done).toMatchObject({ status: 'INDEXED', file_name: 'guide/intro.md', target_id: 'docs-ks', target_type: 'KNOWLEDGE_SOURCE' })

    const list = await call('GET', '/v1/knowledge-sources/docs-ks/objects', undefined, jwt)
    expect(list.json).toHaveLength(1)
    expect(list.json[0]).toMatchObject({ file_path: 'guide/intro.md', checksum: sha256('# Intro\n'), standalone: false })
    expect(typeof list.json[0].id).toBe('string')
  })

  it('the same path uploaded again adds a second object; the first stays until deleted', async () => {
    await createKs()
    const jwt = await token()
    for (const body of ['v1', 'v2']) {
      const form = await uploadForm('a.md', 'docs-ks', jwt)
      expect((await fetch(form.json.url, { method: 'POST', body: s3Form(form.json.form, body) })).status).toBe(204)
      await waitStatus(form.json.id, jwt, ['INDEXED'])
    }
    const objects = ksState('docs-ks')!.objects
    expect(objects.map((o) => o.content)).toEqual(['v1', 'v2'])
    expect((await call('DELETE', `/v1/knowledge-sources/docs-ks/objects/${objects[0]!.id}`, undefined, jwt)).status).toBe(204)
    expect((await call('DELETE', `/v1/knowledge-sources/docs-ks/objects/${objects[0]!.id}`, undefined, jwt)).status).toBe(404)
    expect(ksState('docs-ks')!.objects.map((o) => o.content)).toEqual(['v2'])
  })

  it('S3 refuses an Authorization header, a missing or altered field, the file before the fields, and a used form', async () => {
    await createKs()
    const jwt = await token()
    const form = (await uploadForm('a.md', 'docs-ks', jwt)).json
    const withAuth = await fetch(form.url, { method: 'POST', headers: { authorization: `Bearer ${jwt}` }, body: s3Form(form.form, 'x') })
    expect(withAuth.status).toBe(400)
    expect(await withAuth.text()).toMatch(/<Code>InvalidArgument<\/Code>/)
    const missing = await fetch(form.url, { method: 'POST', body: s3Form(form.form, 'x', { drop: 'x-amz-security-token' }) })
    expect(missing.status).toBe(400)
    const altered = await fetch(form.url, { method: 'POST', body: s3Form({ ...form.form, policy: `${form.form.policy}AA` }, 'x') })
    expect(altered.status).toBe(403)
    const fileFirst = await fetch(form.url, { method: 'POST', body: s3Form(form.form, 'x', { fileFirst: true }) })
    expect(fileFirst.status).toBe(400)
    expect(await fileFirst.text()).toMatch(/last field/)
    expect(ksState('docs-ks')!.objects).toEqual([])
    expect((await fetch(form.url, { method: 'POST', body: s3Form(form.form, 'x') })).status).toBe(204)
    expect((await fetch(form.url, { method: 'POST', body: s3Form(form.form, 'y') })).status).toBe(403)
  })

  it('S3 requires a Content-Length (a chunked body is refused)', async () => {
    await createKs()
    const form = (await uploadForm('a.md')).json
    const request = new Request(form.url, { method: 'POST', body: s3Form(form.form, 'hello') })
    const bytes = Buffer.from(await request.arrayBuffer())
    const chunked = await fetch(form.url, {
      method: 'POST',
      headers: { 'content-type': request.headers.get('content-type')! },
      body: new ReadableStream({
        start(c) {
          c.enqueue(bytes)
          c.close()
        }
      }),
      duplex: 'half'
    } as RequestInit)
    expect(chunked.status).toBe(411)
  })

  it('S3 refuses an expired form (403) and a file over 10 MiB (EntityTooLarge)', async () => {
    await createKs()
    const jwt = await token()
    const short = await call(
      'POST',
      '/v2/file-upload/form',
      { file_name: 'a.md', target_id: 'docs-ks', target_type: 'KNOWLEDGE_SOURCE', expiration: 0.05 },
      jwt
    )
    await new Promise((r) => setTimeout(r, 80))
    const expired = await fetch(short.json.url, { method: 'POST', body: s3Form(short.json.form, 'x') })
    expect(expired.status).toBe(403)
    expect(await expired.text()).toMatch(/expired/)
    const form = (await uploadForm('big.md', 'docs-ks', jwt)).json
    const big = await fetch(form.url, { method: 'POST', body: s3Form(form.form, Buffer.alloc(10 * 1024 * 1024 + 1, 97)) })
    expect(big.status).toBe(400)
    expect(await big.text()).toMatch(/EntityTooLarge/)
    const exact = (await uploadForm('exact.md', 'docs-ks', jwt)).json
    expect((await fetch(exact.url, { method: 'POST', body: s3Form(exact.form, Buffer.alloc(10 * 1024 * 1024, 97)) })).status).toBe(204)
  })

  it('a processing failure ends in ERROR with error_description and adds no object', async () => {
    await createKs()
    const jwt = await token()
    emu.faults.add({ kind: 'vendor', name: 'stackspot-processing-error', match: 'broken.md', persistent: true })
    const form = (await uploadForm('docs/broken.md', 'docs-ks', jwt)).json
    await fetch(form.url, { method: 'POST', body: s3Form(form.form, 'x') })
    const done = await waitStatus(form.id, jwt, ['INDEXED', 'ERROR'])
    expect(done.status).toBe('ERROR')
    expect(done.error_description).toMatch(/broken\.md/)
    expect(ksState('docs-ks')!.objects).toEqual([])
  })

  it('refuses unsafe file names and unknown targets', async () => {
    await createKs()
    expect((await uploadForm('../etc/passwd')).status).toBe(422)
    expect((await uploadForm('/abs.md')).status).toBe(422)
    expect((await uploadForm('a.md', 'no-such-ks')).status).toBe(404)
  })
})

describe('zip batch', () => {
  it('parses a real zip: entry names become file paths, unicode and nested included', async () => {
    await createKs()
    const jwt = await token()
    const zip = storedZip([
      { name: 'docs/a.md', data: 'A' },
      { name: 'docs/deep/nested/ü-日本.md', data: 'U' },
      { name: 'docs/', data: '' }
    ])
    const res = await postZip('docs-ks', zip, false, jwt)
    expect(res.status).toBe(202)
    await settleBatches()
    const objects = ksState('docs-ks')!.objects
    expect(objects.map((o) => [o.file_path, o.content, o.checksum])).toEqual([
      ['docs/a.md', 'A', sha256('A')],
      ['docs/deep/nested/ü-日本.md', 'U', sha256('U')]
    ])
  })

  it('rejects `..`, absolute and duplicate entries, garbage, a missing part, and a zip over 10 MiB, changing nothing', async () => {
    await createKs()
    const jwt = await token()
    for (const entries of [
      [{ name: '../evil.md', data: 'x' }],
      [{ name: '/abs.md', data: 'x' }],
      [
        { name: 'a.md', data: '1' },
        { name: 'a.md', data: '2' }
      ]
    ]) {
      expect((await postZip('docs-ks', storedZip(entries), true, jwt)).status).toBe(400)
    }
    expect((await postZip('docs-ks', Buffer.from('not a zip'), true, jwt)).status).toBe(400)
    const noPart = await fetch(`${base}/v1/knowledge-sources/docs-ks/objects/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}` },
      body: new FormData()
    })
    expect(noPart.status).toBe(400)
    const big = storedZip([
      { name: 'a.md', data: Buffer.alloc(6 * 1024 * 1024, 1) },
      { name: 'b.md', data: Buffer.alloc(5 * 1024 * 1024, 2) }
    ])
    expect((await postZip('docs-ks', big, false, jwt)).status).toBe(413)
    await settleBatches()
    expect(ksState('docs-ks')!.objects).toEqual([])
  })

  it('auto-delete removes files missing from the previous zip, never standalone or per-file objects; unchanged files are preserved', async () => {
    await createKs()
    const jwt = await token()
    ss().seed({ knowledgeSources: [{ slug: 'docs-ks', objects: [{ content: 'manual note' }, { file_path: 'manual.md', content: 'by hand' }] }] })
    const form = (await uploadForm('single.md', 'docs-ks', jwt)).json
    await fetch(form.url, { method: 'POST', body: s3Form(form.form, 'S') })
    await waitStatus(form.id, jwt, ['INDEXED'])

    await postZip(
      'docs-ks',
      storedZip([
        { name: 'a.md', data: 'A' },
        { name: 'b.md', data: 'B' }
      ]),
      true,
      jwt
    )
    await settleBatches()
    const first = Object.fromEntries(ksState('docs-ks')!.objects.map((o) => [o.file_path ?? '(none)', o.id]))

    await postZip(
      'docs-ks',
      storedZip([
        { name: 'a.md', data: 'A' },
        { name: 'c.md', data: 'C' }
      ]),
      true,
      jwt
    )
    await settleBatches()
    const objects = ksState('docs-ks')!.objects
    expect(objects.map((o) => o.file_path ?? '(none)').sort()).toEqual(['(none)', 'a.md', 'c.md', 'manual.md', 'single.md'])
    expect(objects.find((o) => o.file_path === 'a.md')!.id).toBe(first['a.md'])

    // Without auto-delete nothing is removed.
    await postZip('docs-ks', storedZip([{ name: 'd.md', data: 'D' }]), false, jwt)
    await settleBatches()
    expect(
      ksState('docs-ks')!
        .objects.map((o) => o.file_path ?? '(none)')
        .sort()
    ).toEqual(['(none)', 'a.md', 'c.md', 'd.md', 'manual.md', 'single.md'])
    const batches = ss().state().batches
    expect(batches[1]!.summary).toEqual({ added: 1, preserved: 1, removed: 1, errors: 0 })
  })

  it('a changed file in a zip adds a new object beside the old one', async () => {
    await createKs()
    const jwt = await token()
    await postZip('docs-ks', storedZip([{ name: 'a.md', data: 'v1' }]), true, jwt)
    await settleBatches()
    await postZip('docs-ks', storedZip([{ name: 'a.md', data: 'v2' }]), true, jwt)
    await settleBatches()
    expect(ksState('docs-ks')!.objects.map((o) => o.content)).toEqual(['v1', 'v2'])
  })

  it('the slow zip mode: accepted at once, objects appear one by one; a per-file copy made meanwhile is not merged', async () => {
    await createKs()
    const jwt = await token()
    ss().seed({ settings: { zipEntryIntervalMs: 1_000 } })
    const res = await postZip(
      'docs-ks',
      storedZip([
        { name: 'a.md', data: 'A' },
        { name: 'b.md', data: 'B' }
      ]),
      false,
      jwt
    )
    expect(res.status).toBe(202)
    // b.md also goes the per-file way while the zip is still being processed.
    const form = (await uploadForm('b.md', 'docs-ks', jwt)).json
    await fetch(form.url, { method: 'POST', body: s3Form(form.form, 'B') })
    await waitStatus(form.id, jwt, ['INDEXED'])
    await settleBatches()
    const objects = () =>
      ksState('docs-ks')!
        .objects.map((o) => `${o.file_path} ${o.origin}`)
        .sort()
    expect(objects()).toEqual(['a.md zip', 'b.md file-upload'])
    await new Promise((r) => setTimeout(r, 1_000))
    expect(objects()).toEqual(['a.md zip', 'b.md file-upload', 'b.md zip'])
    expect(ss().state().batches[0]).toMatchObject({ status: 'DONE', summary: { added: 2, preserved: 0 } })
  })
})

describe('bulk deletes', () => {
  async function seeded() {
    await createKs()
    ss().seed({ knowledgeSources: [{ slug: 'docs-ks', objects: [{ content: 'manual' }, { file_path: 'up.md', content: 'uploaded', standalone: false }] }] })
  }
  it('standalone=true deletes only manual objects', async () => {
    await seeded()
    expect((await call('DELETE', '/v1/knowledge-sources/docs-ks/objects?standalone=true')).status).toBe(204)
    expect(ksState('docs-ks')!.objects.map((o) => o.content)).toEqual(['uploaded'])
  })
  it('standalone=false deletes only uploaded objects', async () => {
    await seeded()
    expect((await call('DELETE', '/v1/knowledge-sources/docs-ks/objects?standalone=false')).status).toBe(204)
    expect(ksState('docs-ks')!.objects.map((o) => o.content)).toEqual(['manual'])
  })
  it('no flag deletes everything', async () => {
    await seeded()
    expect((await call('DELETE', '/v1/knowledge-sources/docs-ks/objects')).status).toBe(204)
    expect(ksState('docs-ks')!.objects).toEqual([])
  })
})
