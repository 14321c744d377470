import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { StackSpotIdm } from '../../emulator/vendors/stackspot-idm/index.ts'
import { createStackspotEmulator, type StackspotEmulator } from '../../emulator/vendors/stackspot/index.ts'
import type { LocalDoc } from '../../src/docs/types.js'
import { memoryLog } from '../../src/log.js'
import { TokenCache } from '../../src/tokens.js'
import { StackSpotAdapter, type StackSpotOptions } from '../../src/vendors/stackspot/index.js'
import { mayBeFirstPage } from '../../src/vendors/stackspot/listing.js'
import type { BatchContext, RemoteDoc } from '../../src/vendors/types.js'
import { stackspotSettings, writtenDoc } from '../helpers/stackspot-adapter.ts'

let emu: RunningEmulator<StackSpotIdm | StackspotEmulator>
let dir: string
beforeAll(async () => {
  const idm = new StackSpotIdm()
  emu = await startEmulator({ vendors: [idm, createStackspotEmulator(idm)], processingMs: 20 })
  dir = await mkdtemp(join(tmpdir(), 'ks-stackspot-profiles-'))
})
afterAll(async () => {
  await emu.close()
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => {
  emu.useDefaults('stackspot')
  emu.reset()
  ss().seed({ settings: { newKsDelayMs: 0 } })
})

const ss = () => emu.vendor('stackspot')
const NS = 'octo/docs'
const LIST = 'GET /stackspot/v1/knowledge-sources/:slug/objects'
const objects = () =>
  ss()
    .state()
    .knowledgeSources.find((k) => k.slug === 'docs')?.objects ?? []
const byPath = () =>
  objects()
    .map((o) => `${o.file_path ?? '-'}=${o.content}`)
    .sort()

async function ready(options: StackSpotOptions = {}) {
  const log = memoryLog()
  const a = new StackSpotAdapter(
    stackspotSettings(emu.url, { processingTimeoutSeconds: 600 }),
    { log, tokenCache: new TokenCache(), namespace: NS },
    { pollMs: 10, maxPollMs: 50, batchStallMs: 500, batchSilentMs: 1_000, unknownStatusMs: 300, deleteConfirmMs: 1_000, ...options }
  )
  await a.authenticate()
  await a.ensureStore({ create: true, dryRun: false })
  return { a, log }
}

const doc = (path: string, content: string): Promise<LocalDoc> => writtenDoc(dir, path, content)

const ctx = (docs: LocalDoc[], remote: RemoteDoc[]): BatchContext => ({
  completeSnapshot: false,
  allDocs: docs,
  remote: new Map(remote.map((r) => [r.key, r]))
})

function seedOwned(n: number) {
  ss().seed({
    knowledgeSources: [
      { slug: 'docs', objects: Array.from({ length: n }, (_, i) => ({ file_path: `${NS}/docs/d${i}.md`, content: `D${i}`, standalone: false })) }
    ]
  })
}

describe('paged listings are followed to the end', () => {
  it('a wrapper with page fields', async () => {
    emu.useProfile('stackspot-objects-paged')
    const { a, log } = await ready()
    seedOwned(5)
    expect((await a.listOwned()).map((d) => d.key).sort()).toEqual(['docs/d0.md', 'docs/d1.md', 'docs/d2.md', 'docs/d3.md', 'docs/d4.md'])
    expect(emu.requests.filter((r) => r.route === LIST).map((r) => r.path.split('?')[1] ?? '')).toEqual(['', 'page=2&size=2', 'page=3&size=2'])
    expect(log.lines.join('\n')).toMatch(/object listing is paged/)
  })

  it('a bare page-sized array that says nothing of more pages', async () => {
    emu.useProfile('stackspot-objects-paged-array')
    const { a } = await ready()
    seedOwned(5)
    expect(await a.listOwned()).toHaveLength(5)
    // Pages 1 and 2 are asked for at once, so their order in the log is not fixed.
    const asked = emu.requests.filter((r) => r.route === LIST).map((r) => r.path.split('?')[1] ?? '')
    expect(asked[0]).toBe('')
    expect(asked.slice(1).sort()).toEqual(['page=1&size=2', 'page=2&size=2', 'page=3&size=2'])
  })

  it('a round count from a server that ignores paging is asked about once per run', async () => {
    const { a } = await ready()
    seedOwned(10)
    expect(await a.listOwned()).toHaveLength(10)
    expect(await a.listOwned()).toHaveLength(10)
    // Page 1 and page 2 both repeat the whole listing: it is not paged, and later listings are asked once.
    expect(emu.requests.filter((r) => r.route === LIST)).toHaveLength(4)
    expect([7, 37, 1].map(mayBeFirstPage)).toEqual([false, false, false])
    expect([2, 10, 20, 64, 100].map(mayBeFirstPage)).toEqual([true, true, true, true, true])
  })
})

it('one odd listing item is reported once and skipped, not fatal', async () => {
  emu.useProfile('stackspot-objects-odd-item')
  const { a, log } = await ready()
  seedOwned(1)
  expect((await a.listOwned()).map((d) => d.key)).toEqual(['docs/d0.md'])
  await a.listOwned()
  expect(log.lines.filter((l) => l.startsWith('warning:') && l.includes('cannot read'))).toEqual([
    expect.stringMatching(/no id.*skipped, and nothing is changed or deleted for it/)
  ])
})

describe('file_path as listed', () => {
  it('a leading / is the same path: the doc is found, unchanged, and replaced without a copy', async () => {
    emu.useProfile('stackspot-file-path-leading-slash')
    const { a } = await ready()
    const d = await doc('docs/a.md', 'A')
    await a.upload(d, undefined)
    const [owned] = await a.listOwned()
    expect(owned).toMatchObject({ key: 'docs/a.md' })
    expect(a.isUnchanged(d, owned!)).toBe(true)
    await a.upload(await doc('docs/a.md', 'B'), owned)
    expect(byPath()).toEqual(['/octo/docs/docs/a.md=B'])
  })

  it('a sanitised path stops the per-file upload, naming the assumption, and its object is deleted again', async () => {
    emu.useProfile('stackspot-file-path-sanitised')
    const { a } = await ready()
    await a.listOwned()
    await expect(a.upload(await doc('docs/ü x.md', 'A'), undefined)).rejects.toThrow(
      /does not keep file_path as sent: "octo\/docs\/docs\/ü x\.md" came back as "octo_docs_docs_u_x\.md".*deleted again/
    )
    expect(objects()).toEqual([])
  })

  it('a sanitised path stops the zip batch, naming the assumption, and its objects are deleted again', async () => {
    emu.useProfile('stackspot-file-path-sanitised')
    const { a } = await ready()
    await a.listOwned()
    const docs = [await doc('docs/a.md', 'A'), await doc('docs/b.md', 'B')]
    await expect(a.uploadBatch(docs, ctx(docs, []))).rejects.toThrow(/does not keep file_path as sent: the zip entry "octo\/docs\/docs\/[ab]\.md" is listed as/)
    expect(objects()).toEqual([])
  })
})

describe('checksums the action cannot compare', () => {
  it.each(['stackspot-checksum-absent', 'stackspot-checksum-other'])('%s: listed docs are replaced one by one, and the log says why once', async (profile) => {
    emu.useProfile(profile)
    const { a, log } = await ready()
    const docs = [await doc('docs/a.md', 'A'), await doc('docs/b.md', 'B')]
    await a.uploadBatch(docs, ctx(docs, []))
    const remote = await a.listOwned()
    expect(docs.map((d) => a.isUnchanged(d, remote.find((r) => r.key === d.key)!))).toEqual([false, false])
    const again = await a.uploadBatch(docs, ctx(docs, remote))
    expect(again.fallback.map((d) => d.key).sort()).toEqual(['docs/a.md', 'docs/b.md'])
    for (const d of again.fallback)
      await a.upload(
        d,
        remote.find((r) => r.key === d.key)
      )
    expect(byPath()).toEqual(['octo/docs/docs/a.md=A', 'octo/docs/docs/b.md=B'])
    expect(log.lines.filter((l) => /cannot tell an unchanged doc/.test(l))).toHaveLength(1)
  })

  it('MD5 checksums are compared as they are', async () => {
    emu.useProfile('stackspot-checksum-md5')
    const { a } = await ready()
    const d = await doc('docs/a.md', 'A')
    await a.upload(d, undefined)
    expect(a.isUnchanged(d, (await a.listOwned())[0]!)).toBe(true)
  })
})

describe('status words', () => {
  it('an unknown done word is logged raw and settled by the listing', async () => {
    emu.useProfile('stackspot-status-finished')
    const { a, log } = await ready()
    await a.upload(await doc('docs/a.md', 'A'), undefined)
    const [prev] = await a.listOwned()
    await a.upload(await doc('docs/a.md', 'B'), prev)
    expect(byPath()).toEqual(['octo/docs/docs/a.md=B'])
    expect(log.lines.join('\n')).toMatch(/"IN_QUEUE", a word the action does not know/)
  })

  it('a failure word fails the upload at once, keeping the previous version', async () => {
    emu.useProfile('stackspot-status-finished')
    const { a } = await ready()
    emu.faults.add({ kind: 'vendor', name: 'stackspot-processing-error', match: 'docs/a.md' })
    const started = Date.now()
    await expect(a.upload(await doc('docs/a.md', 'A'), undefined)).rejects.toThrow(/ended in PROCESSING_FAILED/)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('an unknown word that never changes, with nothing listed, is given up on long before processing-timeout', async () => {
    const { a } = await ready()
    emu.faults.add({
      route: 'GET /stackspot/v1/file-upload/:id',
      kind: 'status',
      status: 200,
      body: { id: 'x', status: 'WAITING_FOR_GODOT' },
      persistent: true
    })
    emu.ctx.processingMs = 60_000
    try {
      const started = Date.now()
      await expect(a.upload(await doc('docs/a.md', 'A'), undefined)).rejects.toThrow(
        /"WAITING_FOR_GODOT", a word the action does not know.*giving up on it before processing-timeout/
      )
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      emu.ctx.processingMs = 20
    }
  })
})

it('processing started at POST /v1/file-upload/{id} where knowledge-objects is missing; learned once', async () => {
  emu.useProfile('stackspot-processing-file-upload')
  const { a, log } = await ready()
  await a.upload(await doc('docs/a.md', 'A'), undefined)
  await a.upload(await doc('docs/b.md', 'B'), undefined)
  expect(byPath()).toEqual(['octo/docs/docs/a.md=A', 'octo/docs/docs/b.md=B'])
  expect(emu.requests.filter((r) => r.route.includes('knowledge-objects')).map((r) => r.status)).toEqual([404])
  expect(emu.requests.filter((r) => r.route === 'POST /stackspot/v1/file-upload/:id').map((r) => r.status)).toEqual([200, 200])
  expect(log.lines.join('\n')).toMatch(/processing is started with `POST \/v1\/file-upload\/\{id\}` instead/)
})

it('a null upload form field is left out of the storage upload, never sent as "null"', async () => {
  emu.useProfile('stackspot-form-null-field')
  const { a, log } = await ready()
  await a.upload(await doc('docs/a.md', 'A'), undefined)
  expect(byPath()).toEqual(['octo/docs/docs/a.md=A'])
  expect(log.lines.join('\n')).toMatch(/null in x-amz-security-token; those fields are left out/)
})

describe('deletes are confirmed by the listing', () => {
  it('a delete that takes effect later is waited for', async () => {
    emu.useProfile('stackspot-delete-lagged')
    const { a } = await ready()
    await a.upload(await doc('docs/a.md', 'A'), undefined)
    const [owned] = await a.listOwned()
    expect((await a.remove(owned!)).action).toBe('deleted')
    expect(objects()).toEqual([])
  })

  it('a DELETE answered 404 while the object stays listed is not reported as deleted', async () => {
    emu.useProfile('stackspot-delete-kept-404')
    const { a } = await ready()
    await a.upload(await doc('docs/a.md', 'A'), undefined)
    const [owned] = await a.listOwned()
    await expect(a.remove(owned!)).rejects.toThrow(/is still listed .* after its DELETE answered HTTP 404.*not reported as deleted/)
    expect(byPath()).toEqual(['octo/docs/docs/a.md=A'])
  })
})

describe('zip batch answers', () => {
  it.each(['stackspot-zip-missing-404', 'stackspot-zip-missing-405'])('%s: every doc goes one by one, at once, also on a KS just created', async (profile) => {
    emu.useProfile(profile)
    const { a } = await ready()
    const docs = [await doc('docs/a.md', 'A'), await doc('docs/b.md', 'B')]
    const started = Date.now()
    const r = await a.uploadBatch(docs, ctx(docs, []))
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(r.fallback).toHaveLength(2)
  })

  it('stackspot-zip-sync: the objects are there with the answer', async () => {
    emu.useProfile('stackspot-zip-sync')
    const { a } = await ready()
    // Three: a listing of a round count would also be asked whether it is a first page.
    const docs = [await doc('docs/a.md', 'A'), await doc('docs/b.md', 'B'), await doc('docs/c.md', 'C')]
    const r = await a.uploadBatch(docs, ctx(docs, []))
    expect([...r.done.keys()].sort()).toEqual(['docs/a.md', 'docs/b.md', 'docs/c.md'])
    // Listed right after the answer, once: nothing is waited for.
    expect(emu.requests.filter((x) => x.route === LIST)).toHaveLength(1)
  })
})
