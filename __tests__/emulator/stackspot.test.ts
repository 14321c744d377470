import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { DEMO_CLIENT, StackSpotIdm } from '../../emulator/vendors/stackspot-idm/index.ts'
import { createStackspotEmulator, type StackspotEmulator } from '../../emulator/vendors/stackspot/index.ts'
import { parseMultipart } from '../../emulator/multipart.ts'
import type { LocalDoc } from '../../src/docs/types.js'
import { memoryLog } from '../../src/log.js'
import { StackSpotAdapter, agentTokens, type StackSpotSettings } from '../../src/vendors/stackspot/index.js'
import { knowledgeObjects } from '../../src/vendors/stackspot/schema.js'
import { groupForZips, ZIP_BUDGET } from '../../src/vendors/stackspot/zip.js'
import type { BatchContext, RemoteDoc } from '../../src/vendors/types.js'
import { INPUT_DEFAULTS, readSettings } from '../../src/inputs.js'
import { TokenCache } from '../../src/tokens.js'
import { multipartBody } from '../../src/vendors/stackspot/multipart.js'
import { presignedPostBody } from '../../src/vendors/stackspot/s3.js'
import { stackspotSettings, writtenDoc } from '../helpers/stackspot-adapter.ts'

let emu: RunningEmulator<StackSpotIdm | StackspotEmulator>
let dir: string
beforeAll(async () => {
  const idm = new StackSpotIdm()
  emu = await startEmulator({ vendors: [idm, createStackspotEmulator(idm)], processingMs: 30 })
  dir = await mkdtemp(join(tmpdir(), 'ks-stackspot-unit-'))
})
afterAll(async () => {
  await emu.close()
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => {
  emu.reset()
  ss().seed({ settings: { newKsDelayMs: 0 } })
})

const ss = () => emu.vendor('stackspot')
/** The namespace the adapters here write under: their objects' file paths start with it. */
const NS = 'octo/docs'
const objects = (slug = 'docs') =>
  ss()
    .state()
    .knowledgeSources.find((k) => k.slug === slug)?.objects ?? []
const byPath = (slug = 'docs') =>
  objects(slug)
    .map((o) => `${o.file_path ?? '-'}=${o.content}`)
    .sort()

function settings(over: Partial<StackSpotSettings> = {}): StackSpotSettings {
  return stackspotSettings(emu.url, { processingTimeoutSeconds: 20, ...over })
}

function adapter(over: Partial<StackSpotSettings> = {}) {
  const log = memoryLog()
  // A cache of its own, as in separate runs: no test reuses another's token.
  return { a: new StackSpotAdapter(settings(over), { log, tokenCache: new TokenCache(), namespace: NS }, { pollMs: 20, maxPollMs: 100 }), log }
}

const doc = (path: string, content: string | Buffer): Promise<LocalDoc> => writtenDoc(dir, path, content)

async function ready(over: Partial<StackSpotSettings> = {}) {
  const { a, log } = adapter(over)
  await a.authenticate()
  await a.ensureStore({ create: true, dryRun: false })
  return { a, log }
}

function ctx(allDocs: LocalDoc[], remote: RemoteDoc[], completeSnapshot: boolean): BatchContext {
  return { completeSnapshot, allDocs, remote: new Map(remote.map((r) => [r.key, r])) }
}

describe('authentication', () => {
  it('a wrong secret fails naming the inputs and the permissions', async () => {
    const { a } = adapter({ clientSecret: 'wrong-secret' })
    await expect(a.authenticate()).rejects.toThrow(/client-id.*client-secret.*realm.*ai_dev.*ai_admin/s)
  })

  it('a 403 from the API carries the permission / Enterprise hint', async () => {
    const { a } = await ready()
    emu.faults.add({ kind: 'status', status: 403, route: 'GET /stackspot/v1/knowledge-sources/:slug/objects' })
    await expect(a.listOwned()).rejects.toThrow(/HTTP 403.*ai_dev and ai_admin.*Enterprise/s)
  })

  it('gets a new token when the old one expired mid-run', async () => {
    const { a } = await ready()
    emu.faults.add({ kind: 'vendor', name: 'stackspot-expire-tokens' })
    await a.upload(await doc('docs/a.md', 'A'), undefined)
    expect(byPath()).toEqual(['octo/docs/docs/a.md=A'])
  })
})

describe('agent tokens', () => {
  it("the agent reuses the token the sync holds, through the run's cache", async () => {
    const tokenCache = new TokenCache()
    const log = memoryLog()
    const s = settings()
    const a = new StackSpotAdapter(s, { log, tokenCache, namespace: NS })
    await a.authenticate()
    const inputs: Record<string, string> = {
      ...INPUT_DEFAULTS,
      vendor: 'stackspot',
      'knowledge-base': s.knowledgeBase,
      'client-id': s.clientId,
      'client-secret': s.clientSecret,
      realm: DEMO_CLIENT.realm,
      'api-url': s.apiUrl,
      'auth-url': s.authUrl
    }
    const agent = agentTokens(
      readSettings((n) => inputs[n] ?? '', 'push'),
      { tokenCache, log }
    )
    await agent.token()
    expect(emu.requests.filter((r) => r.path.includes('/oauth/token'))).toHaveLength(1)
  })
})

describe('ensureStore', () => {
  it('creates a missing KS with the configured name and type, then finds it', async () => {
    const { a } = adapter({ knowledgeBaseName: 'Team docs', ksType: 'snippet' })
    await a.authenticate()
    expect(await a.ensureStore({ create: true, dryRun: false })).toEqual({ id: 'docs', name: 'Team docs', created: true, exists: true })
    const ks = ss().state().knowledgeSources[0]!
    expect(ks).toMatchObject({ slug: 'docs', name: 'Team docs', type: 'snippet' })
    const { a: again } = adapter()
    expect(await again.ensureStore({ create: true, dryRun: false })).toMatchObject({ created: false, exists: true })
  })

  it('does not create in a dry run, and fails with a fix when creation is not allowed', async () => {
    const { a } = adapter()
    expect(await a.ensureStore({ create: true, dryRun: true })).toMatchObject({ exists: false, created: false })
    expect(ss().state().knowledgeSources).toEqual([])
    await expect(a.ensureStore({ create: false, dryRun: false })).rejects.toThrow(/does not exist.*create-if-missing/s)
  })

  it('waits out the delay before a new KS accepts uploads', async () => {
    ss().seed({ settings: { newKsDelayMs: 700, newKsRefusals: 1 } })
    const { a } = await ready()
    await a.upload(await doc('docs/a.md', 'A'), undefined)
    expect(byPath()).toEqual(['octo/docs/docs/a.md=A'])
    const forms = emu.requests.filter((r) => r.route === 'POST /stackspot/v2/file-upload/form')
    expect(forms.map((r) => r.status)).toContain(403)
    expect(forms.at(-1)!.status).toBe(201)
  })

  it('does not retry a 403 on a KS it did not create', async () => {
    await ready()
    ss().seed({ knowledgeSources: [{ slug: 'other' }] })
    const { a } = adapter({ knowledgeBase: 'other' })
    await a.ensureStore({ create: true, dryRun: false })
    emu.faults.add({ kind: 'status', status: 403, route: 'POST /stackspot/v2/file-upload/form' })
    await expect(a.upload(await doc('docs/a.md', 'A'), undefined)).rejects.toThrow(/HTTP 403/)
    expect(emu.requests.filter((r) => r.route === 'POST /stackspot/v2/file-upload/form')).toHaveLength(1)
  })
})

describe('per-file upload', () => {
  it('sends the form fields then the file to S3 without the token, and lists the result as owned', async () => {
    const { a } = await ready()
    const d = await doc('docs/guide/ü-日本.md', '# Unicode\n')
    // A new doc is done when StackSpot says INDEXED: no listing of the KS is needed.
    expect((await a.upload(d, undefined)).detail).toMatch(/^upload .+, indexed$/)
    expect(emu.requests.filter((r) => r.route === 'GET /stackspot/v1/knowledge-sources/:slug/objects')).toHaveLength(0)
    const s3 = emu.requests.filter((r) => r.route.startsWith('POST /stackspot/s3/'))
    expect(s3).toHaveLength(1)
    expect(s3[0]!.hasAuthorization).toBe(false)
    expect(emu.requests.filter((r) => r.route === 'POST /stackspot/v1/file-upload/:id/knowledge-objects')).toHaveLength(1)
    const owned = await a.listOwned()
    expect(owned).toEqual([expect.objectContaining({ key: 'docs/guide/ü-日本.md', digest: d.digests.sha256 })])
    expect(a.isUnchanged(d, owned[0]!)).toBe(true)
  })

  it('replacing a doc leaves exactly the new version', async () => {
    const { a } = await ready()
    await a.upload(await doc('docs/a.md', 'v1'), undefined)
    const [prev] = await a.listOwned()
    await a.upload(await doc('docs/a.md', 'v2'), prev)
    expect(byPath()).toEqual(['octo/docs/docs/a.md=v2'])
  })

  it('a processing failure keeps the previous version and says so', async () => {
    const { a } = await ready()
    await a.upload(await doc('docs/a.md', 'v1'), undefined)
    const [prev] = await a.listOwned()
    emu.faults.add({ kind: 'vendor', name: 'stackspot-processing-error', match: 'docs/a.md', persistent: true })
    await expect(a.upload(await doc('docs/a.md', 'v2'), prev)).rejects.toThrow(/ERROR.*previous version/s)
    expect(byPath()).toEqual(['octo/docs/docs/a.md=v1'])
  })

  it('times out after processing-timeout and keeps the previous version', async () => {
    const { a } = await ready({ processingTimeoutSeconds: 1 })
    await a.upload(await doc('docs/a.md', 'v1'), undefined)
    const [prev] = await a.listOwned()
    emu.ctx.processingMs = 5_000
    try {
      await expect(a.upload(await doc('docs/a.md', 'v2'), prev)).rejects.toThrow(/still PROCESSING after 1 s/)
    } finally {
      emu.ctx.processingMs = 30
    }
    expect(byPath()).toEqual(['octo/docs/docs/a.md=v1'])
  })

  it('lists again when the listing lags behind the INDEXED status of a replacement', async () => {
    const { a } = await ready()
    await a.upload(await doc('docs/a.md', 'A'), undefined)
    const [prev] = await a.listOwned()
    // The first listing after indexing does not show the new object yet.
    emu.faults.add({ kind: 'status', status: 200, body: [], route: 'GET /stackspot/v1/knowledge-sources/:slug/objects', times: 1 })
    expect((await a.upload(await doc('docs/a.md', 'B'), prev)).detail).toMatch(/^object /)
    expect(emu.requests.filter((r) => r.route === 'GET /stackspot/v1/knowledge-sources/:slug/objects').length).toBeGreaterThanOrEqual(3)
    expect(byPath()).toEqual(['octo/docs/docs/a.md=B'])
  })

  it('skips the knowledge-objects step where the API has none (404)', async () => {
    const { a } = await ready()
    emu.faults.add({ kind: 'status', status: 404, route: 'POST /stackspot/v1/file-upload/:id/knowledge-objects', persistent: true })
    await a.upload(await doc('docs/a.md', 'A'), undefined)
    expect(byPath()).toEqual(['octo/docs/docs/a.md=A'])
    expect(emu.requests.filter((r) => r.route === 'POST /stackspot/v1/file-upload/:id/knowledge-objects').map((r) => r.status)).toEqual([404])
  })

  it('retries a 429 on the upload form', async () => {
    const { a } = await ready()
    emu.faults.add({ kind: 'status', status: 429, retryAfter: 0, route: 'POST /stackspot/v2/file-upload/form', times: 2 })
    await a.upload(await doc('docs/a.md', 'A'), undefined)
    expect(byPath()).toEqual(['octo/docs/docs/a.md=A'])
    expect(emu.requests.filter((r) => r.route === 'POST /stackspot/v2/file-upload/form').map((r) => r.status)).toEqual([429, 429, 201])
  })
})

describe('ownership', () => {
  it('never lists standalone objects; several objects under one path are one doc that is not unchanged', async () => {
    const { a } = await ready()
    ss().seed({
      knowledgeSources: [
        {
          slug: 'docs',
          objects: [
            { content: 'manual note' },
            { file_path: 'docs/manual.md', content: 'standalone with a path' },
            { file_path: 'octo/docs/docs/x.md', content: 'X', standalone: false },
            { file_path: 'octo/docs/docs/x.md', content: 'X', standalone: false }
          ]
        }
      ]
    })
    const owned = await a.listOwned()
    expect(owned.map((o) => [o.key, o.ids.length])).toEqual([['docs/x.md', 2]])
    const x = await doc('docs/x.md', 'X')
    expect(a.isUnchanged(x, owned[0]!)).toBe(false)
    // Re-uploading cleans up the duplicate.
    await a.upload(x, owned[0])
    expect(byPath()).toEqual(['-=manual note', 'docs/manual.md=standalone with a path', 'octo/docs/docs/x.md=X'])
  })

  it('remove deletes every id of the doc and tolerates ones already gone', async () => {
    const { a } = await ready()
    await a.upload(await doc('docs/a.md', 'A'), undefined)
    const [owned] = await a.listOwned()
    const r = await a.remove({ ...owned!, ids: [...owned!.ids, 'GONE'] })
    expect(r.action).toBe('deleted')
    expect(byPath()).toEqual([])
  })
  it('removes that run at once share the listing that confirms them', async () => {
    const { a } = await ready()
    for (const k of ['a', 'b', 'c']) await a.upload(await doc(`docs/${k}.md`, k), undefined)
    const owned = await a.listOwned()
    emu.requests.length = 0
    await Promise.all(owned.map((d) => a.remove(d)))
    expect(byPath()).toEqual([])
    expect(emu.requests.filter((x) => x.route.endsWith('/objects'))).toHaveLength(1)
  })
})

describe('zip batch', () => {
  it('uploads several docs in one zip without auto-delete and replaces old versions', async () => {
    const { a } = await ready()
    ss().seed({ knowledgeSources: [{ slug: 'docs', objects: [{ content: 'manual' }] }] })
    await a.upload(await doc('docs/a.md', 'a1'), undefined)
    const remote = await a.listOwned()
    const docs = [await doc('docs/a.md', 'a2'), await doc('docs/b.md', 'b1'), await doc('docs/deep/c ü.md', 'c1')]
    const r = await a.uploadBatch(docs, ctx(docs, remote, false))
    expect([...r.done.keys()].sort()).toEqual(['docs/a.md', 'docs/b.md', 'docs/deep/c ü.md'])
    expect(r.fallback).toEqual([])
    expect(byPath()).toEqual(['-=manual', 'octo/docs/docs/a.md=a2', 'octo/docs/docs/b.md=b1', 'octo/docs/docs/deep/c ü.md=c1'])
    const batch = emu.requests.find((x) => x.route === 'POST /stackspot/v1/knowledge-sources/:slug/objects/batch')!
    expect(batch.path).toMatch(/auto-delete=false/)
  })

  it("sends every old copy's DELETE first, then confirms them all with one listing", async () => {
    const { a } = await ready()
    const keys = Array.from({ length: 6 }, (_, i) => `docs/d${i}.md`)
    const first = await Promise.all(keys.map((k) => doc(k, `${k} v1`)))
    await a.uploadBatch(first, ctx(first, [], false))
    const remote = await a.listOwned()
    const next = await Promise.all(keys.map((k) => doc(k, `${k} v2`)))
    emu.requests.length = 0
    const r = await a.uploadBatch(next, ctx(next, remote, false))
    expect([...r.done.values()].filter((d) => d.leftovers?.length)).toEqual([])
    expect(byPath()).toEqual(keys.map((k) => `octo/docs/${k}=${k} v2`))
    const calls = emu.requests.map((x) => (x.route.endsWith('/objects') ? 'list' : x.method))
    // One listing shows the zip's objects, six DELETEs, one listing confirms all six.
    expect(calls.slice(calls.indexOf('DELETE'))).toEqual(['DELETE', 'DELETE', 'DELETE', 'DELETE', 'DELETE', 'DELETE', 'list'])
  })

  it('an old copy still listed after its DELETE fails only its own doc', async () => {
    const { a } = await ready()
    const first = [await doc('docs/a.md', 'A'), await doc('docs/b.md', 'B')]
    await a.uploadBatch(first, ctx(first, [], false))
    const remote = await a.listOwned()
    const stuck = remote.find((d) => d.key === 'docs/b.md')!.ids[0]!
    // A DELETE answered 404 while the object stays listed: the listing is what counts.
    emu.faults.add({ route: 'DELETE /stackspot/v1/knowledge-sources/:slug/objects/:objectId', match: stuck, kind: 'status', status: 404, persistent: true })
    const next = [await doc('docs/a.md', 'A2'), await doc('docs/b.md', 'B2')]
    const r = await a.uploadBatch(next, ctx(next, remote, false))
    expect(r.done.get('docs/a.md')?.leftovers ?? []).toEqual([])
    expect(r.done.get('docs/b.md')?.leftovers).toEqual([expect.stringMatching(new RegExp(`object ${stuck} is still listed`))])
  })

  it('never asks for auto-delete, even on a complete snapshot: another run may have put objects in the KS meanwhile, and removals wait for the executor', async () => {
    const { a } = await ready()
    const first = [await doc('docs/a.md', 'A'), await doc('docs/b.md', 'B'), await doc('docs/gone.md', 'G')]
    const r1 = await a.uploadBatch(first, ctx(first, [], true))
    expect(r1.done.size).toBe(3)
    const remote = await a.listOwned()
    // A full reconcile with a removal: a failed upload must not have deleted anything yet.
    const next = [await doc('docs/a.md', 'A2'), await doc('docs/b.md', 'B2')]
    const r2 = await a.uploadBatch(next, ctx(next, remote, true))
    expect(emu.requests.filter((x) => x.route.endsWith('/objects/batch')).map((x) => x.path.split('?')[1])).toEqual(['auto-delete=false', 'auto-delete=false'])
    expect([...(r2.deletedKeys ?? [])]).toEqual([])
    expect(byPath()).toEqual(['octo/docs/docs/a.md=A2', 'octo/docs/docs/b.md=B2', 'octo/docs/docs/gone.md=G'])
  })

  it('per-file strategy and a single doc in auto do not zip', async () => {
    const { a } = await ready({ uploadStrategy: 'per-file' })
    const docs = [await doc('docs/a.md', 'A'), await doc('docs/b.md', 'B')]
    expect((await a.uploadBatch(docs, ctx(docs, [], true))).fallback).toHaveLength(2)
    const { a: auto } = adapter()
    expect((await auto.uploadBatch([docs[0]!], ctx(docs, [], true))).fallback).toHaveLength(1)
    expect(emu.requests.filter((x) => x.route.endsWith('/objects/batch'))).toEqual([])
  })

  it('splits docs over 10 MiB in total into several zips, without auto-delete', async () => {
    const { a } = await ready()
    const four = 4 * 1024 * 1024
    const docs = [
      await doc('docs/1.md', Buffer.alloc(four, 49)),
      await doc('docs/2.md', Buffer.alloc(four, 50)),
      await doc('docs/3.md', Buffer.alloc(four, 51))
    ]
    const r = await a.uploadBatch(docs, ctx(docs, [], true))
    expect(r.done.size).toBe(3)
    const batches = emu.requests.filter((x) => x.route.endsWith('/objects/batch'))
    expect(batches.map((b) => [b.status, b.path.split('?')[1]])).toEqual([
      [202, 'auto-delete=false'],
      [202, 'auto-delete=false']
    ])
    expect(
      objects()
        .map((o) => o.file_path)
        .sort()
    ).toEqual(['octo/docs/docs/1.md', 'octo/docs/docs/2.md', 'octo/docs/docs/3.md'])
  })

  it('a doc the zip did not take comes back as fallback; nothing else is lost', { timeout: 30_000 }, async () => {
    const { a } = await ready()
    emu.faults.add({ kind: 'vendor', name: 'stackspot-processing-error', match: 'docs/bad.md' })
    const docs = [await doc('docs/ok.md', 'OK'), await doc('docs/bad.md', 'BAD')]
    const r = await a.uploadBatch(docs, ctx(docs, [], false))
    expect([...r.done.keys()]).toEqual(['docs/ok.md'])
    expect(r.fallback.map((d) => d.key)).toEqual(['docs/bad.md'])
  })

  it('falls back to per-file for everything when the batch endpoint is missing', async () => {
    const { a } = await ready()
    emu.faults.add({ kind: 'status', status: 405, route: 'POST /stackspot/v1/knowledge-sources/:slug/objects/batch' })
    const docs = [await doc('docs/a.md', 'A'), await doc('docs/b.md', 'B')]
    const r = await a.uploadBatch(docs, ctx(docs, [], false))
    expect(r.done.size).toBe(0)
    expect(r.fallback).toHaveLength(2)
    expect(objects()).toEqual([])
  })
})

describe('multipart bodies', () => {
  it('the S3 form and the zip batch are valid multipart, fields first and the file last', () => {
    const bad = (detail: string) => new Error(detail) as never
    const form = presignedPostBody({ key: 'k/a.md', policy: 'p"1' }, 'docs/a "b".md', Buffer.from('A\r\n--x'))
    expect(parseMultipart(form.body, form.contentType, bad).map((p) => [p.name, p.filename, p.data.toString()])).toEqual([
      ['key', undefined, 'k/a.md'],
      ['policy', undefined, 'p"1'],
      ['file', 'a %22b%22.md', 'A\r\n--x']
    ])
    const zip = multipartBody([{ name: 'objects_zip', value: Buffer.from('PK'), filename: 'objects.zip', contentType: 'application/zip' }])
    expect(parseMultipart(zip.body, zip.contentType, bad).map((p) => [p.name, p.filename, p.contentType, p.data.toString()])).toEqual([
      ['objects_zip', 'objects.zip', 'application/zip', 'PK']
    ])
  })
})

describe('zip grouping', () => {
  it('fills zips first-fit under the budget and sets aside docs that fit none', () => {
    const d = (key: string, size: number) => ({ key, size })
    const { groups, tooLarge } = groupForZips([d('a', 500), d('b', 500), d('c', 200), d('huge', 5000)], 1000)
    expect(groups.map((g) => g.map((x) => x.key))).toEqual([['a', 'c'], ['b']])
    expect(tooLarge.map((x) => x.key)).toEqual(['huge'])
    expect(ZIP_BUDGET).toBeLessThan(10 * 1024 * 1024)
  })
})

describe('object listing shape', () => {
  it('accepts a plain array or a paged wrapper, numeric ids, missing optional fields; refuses anything else', () => {
    expect(knowledgeObjects([{ id: 'a', file_path: 'docs/a.md', checksum: 'c', standalone: false }])).toEqual([
      { id: 'a', file_path: 'docs/a.md', checksum: 'c', standalone: false, created_at: null }
    ])
    expect(knowledgeObjects({ items: [{ id: 7 }] })).toEqual([{ id: '7', file_path: null, checksum: null, standalone: null, created_at: null }])
    expect(knowledgeObjects({ content: [{ id: 'x', created_at: 0 }] })![0]!.created_at).toBe('1970-01-01T00:00:00.000Z')
    expect(knowledgeObjects({ message: 'nope' })).toBeUndefined()
    expect(knowledgeObjects([{ file_path: 'no id' }])).toBeUndefined()
    expect(knowledgeObjects([{ id: 'a', standalone: 'yes' }])).toBeUndefined()
    expect(knowledgeObjects([{ id: 'a', file_path: 3 }])).toBeUndefined()
  })
})
