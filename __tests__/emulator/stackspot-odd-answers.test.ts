/**
 * Odd StackSpot answers that must not turn into damage: a listed object id that would change the
 * URL of a delete, and a zip whose objects appear slowly (the emulator's slow zip mode) while its
 * docs go the per-file way.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_ACCOUNTS, demoInputs } from '../../emulator/demo-accounts.ts'
import { startEmulator } from '../../emulator/server.ts'
import { allVendors, type FullEmulator } from '../../emulator/vendors/index.ts'
import { toRunContext } from '../../src/context.js'
import type { LocalDoc } from '../../src/docs/types.js'
import { memoryLog } from '../../src/log.js'
import { runSync } from '../../src/run-sync.js'
import { TokenCache } from '../../src/tokens.js'
import { StackSpotAdapter } from '../../src/vendors/stackspot/index.js'
import { settingsFrom } from '../helpers/fixtures.js'
import { makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { workflowDispatchPayload } from '../helpers/payloads.js'

/** Far longer than the zip wait gives a doc after the last one appeared (5 s), so the second doc goes per-file. */
const SLOW_ZIP_INTERVAL_MS = 8_000

let emu: FullEmulator
let repo: TestRepo
let workspace: string
let dir: string
beforeAll(async () => {
  emu = await startEmulator({ vendors: allVendors(), processingMs: 30 })
  repo = await makeRepo({ 'docs/a.md': 'A', 'docs/b.md': 'B' })
  await repo.push()
  workspace = await repo.checkout()
  dir = await mkdtemp(join(tmpdir(), 'ks-odd-'))
})
afterAll(async () => {
  await emu.close()
  await repo.cleanup()
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => {
  emu.reset()
  ss().seed({ settings: { newKsDelayMs: 0 } })
})

const ss = () => emu.vendor('stackspot')
const objects = () =>
  ss()
    .state()
    .knowledgeSources.flatMap((k) => k.objects)
/** `docs/a.md=A` per object, whatever the action puts before the path. */
const contents = () =>
  objects()
    .map((o) => `${(o.file_path ?? '').replace(/^octo\/docs\//, '')}=${o.content}`)
    .sort()
/** Requests that change the Knowledge Source (sign-ins excluded). */
const writes = () => emu.requests.filter((r) => r.method !== 'GET' && !r.route.includes('/oauth/token'))

async function sync(inputs: Record<string, string> = {}) {
  const log = memoryLog()
  const run = toRunContext(
    {
      eventName: 'workflow_dispatch',
      sha: await repo.head(),
      payload: workflowDispatchPayload({ owner: 'octo', name: 'docs' }),
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      repo: { owner: 'octo', repo: 'docs' }
    },
    workspace
  )
  const settings = settingsFrom(demoInputs('stackspot', emu.url, { 'knowledge-base': 'docs-kb', paths: 'docs/**/*.md', mode: 'full', ...inputs }))
  const { report } = await runSync(settings, run, { log, octokit: undefined, group: (_name, fn) => fn(), tokenCache: new TokenCache() })
  return { report, log: log.lines.join('\n') }
}

async function until(what: string, done: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`)
    await sleep(50)
  }
}

describe('a listed object id that is not a path segment', () => {
  it('`..` is reported and left alone: no DELETE of the Knowledge Source itself', async () => {
    const first = await sync()
    expect(first.report.items.map((i) => i.outcome)).toEqual(['uploaded', 'uploaded'])
    // The listing now also shows a removed doc whose object id is `..`.
    const listed = objects().map(({ id, file_path, checksum, standalone, created_at }) => ({ id, file_path, checksum, standalone, created_at }))
    const odd = { ...listed[0]!, id: '..', file_path: listed[0]!.file_path!.replace(/docs\/[ab]\.md$/, 'docs/gone.md') }
    emu.faults.add({ kind: 'status', status: 200, body: [...listed, odd], route: 'GET /stackspot/v1/knowledge-sources/:slug/objects', persistent: true })
    emu.requests.length = 0

    const { report, log } = await sync()
    expect(writes()).toEqual([])
    expect(emu.requests.filter((r) => /\/knowledge-sources\/docs-kb\/?$/.test(r.path) && r.method !== 'GET')).toEqual([])
    expect(report.items.map((i) => `${i.path} ${i.outcome}`)).toEqual(['docs/a.md unchanged', 'docs/b.md unchanged'])
    expect(log).toMatch(/warning: Left alone the knowledge object of .*docs\/gone\.md with the id "\.\."/)
    expect(contents()).toEqual(['docs/a.md=A', 'docs/b.md=B'])
  })
})

describe('the slow zip mode', () => {
  async function doc(path: string, content: string): Promise<LocalDoc> {
    const absPath = join(dir, path.replace(/\//g, '_'))
    await writeFile(absPath, content)
    const h = (alg: string) => createHash(alg).update(content).digest('hex')
    return { path, key: path, absPath, size: Buffer.byteLength(content), digests: { sha256: h('sha256'), sha1: h('sha1'), md5: h('md5') } }
  }

  it('a doc the zip gave up on is listed again before it goes per-file; its late zip object is used, not copied', { timeout: 30_000 }, async () => {
    const a = DEMO_ACCOUNTS.stackspot
    const adapter = new StackSpotAdapter(
      {
        knowledgeBase: 'docs-kb',
        knowledgeBaseName: '',
        knowledgeBaseDescription: '',
        ksType: 'custom',
        uploadStrategy: 'zip',
        clientId: a.clientId,
        clientSecret: a.clientSecret,
        authUrl: `${emu.url}/stackspot/idm/${a.realm}/oidc/oauth/token`,
        apiUrl: `${emu.url}/stackspot`,
        concurrency: 4,
        processingTimeoutSeconds: 30
      },
      { log: memoryLog(), tokenCache: new TokenCache(), namespace: 'octo/docs' },
      { pollMs: 20, maxPollMs: 100 }
    )
    await adapter.ensureStore({ create: true, dryRun: false })
    ss().seed({ settings: { zipEntryIntervalMs: SLOW_ZIP_INTERVAL_MS } })
    const docs = [await doc('docs/a.md', 'A'), await doc('docs/b.md', 'B')]
    const batch = await adapter.uploadBatch(docs, { completeSnapshot: false, allDocs: docs, remote: new Map() })
    expect([...batch.done.keys()]).toEqual(['docs/a.md'])
    expect(batch.fallback.map((d) => d.key)).toEqual(['docs/b.md'])

    // The executor's per-file turn for b comes after its zip object appeared.
    await until('the zip object of b appears', () => contents().includes('docs/b.md=B'))
    emu.requests.length = 0
    expect((await adapter.upload(docs[1]!, undefined)).detail).toMatch(/zip, appeared after the batch/)
    expect(writes()).toEqual([])
    expect(contents()).toEqual(['docs/a.md=A', 'docs/b.md=B'])
  })

  it('a late zip object that duplicates a per-file upload is cleaned by the next run, without uploading again', { timeout: 40_000 }, async () => {
    ss().seed({ settings: { zipEntryIntervalMs: SLOW_ZIP_INTERVAL_MS } })
    const first = await sync({ 'upload-strategy': 'zip' })
    expect(
      first.report.items.map((i) => `${i.path} ${i.outcome}`),
      first.log
    ).toEqual(['docs/a.md uploaded', 'docs/b.md uploaded'])
    // b went per-file in the first run; its zip object arrives after the run is over.
    await until('the zip is processed', () =>
      ss()
        .state()
        .batches.every((b) => b.status === 'DONE')
    )
    expect(contents()).toEqual(['docs/a.md=A', 'docs/b.md=B', 'docs/b.md=B'])

    emu.requests.length = 0
    const second = await sync()
    expect(
      second.report.items.map((i) => `${i.path} ${i.outcome}`),
      second.log
    ).toEqual(['docs/a.md unchanged', 'docs/b.md replaced'])
    expect(second.report.items[1]!.detail).toMatch(/already held this version; 1 other copy deleted/)
    expect(writes().map((r) => r.route)).toEqual(['DELETE /stackspot/v1/knowledge-sources/:slug/objects/:objectId'])
    expect(contents()).toEqual(['docs/a.md=A', 'docs/b.md=B'])
  })
})
