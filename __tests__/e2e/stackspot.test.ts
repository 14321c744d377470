/**
 * End to end: the bundled action (dist/index.js, or KS_ACTION_ENTRY) against the StackSpot
 * emulator over loopback. Assertions are on what the Knowledge Source holds afterwards, the
 * outputs and the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import { GITHUB_EMULATOR_TOKEN, createGithubEmulator, type GithubEmulator } from '../../emulator/vendors/github/index.ts'
import { StackSpotIdm } from '../../emulator/vendors/stackspot-idm/index.ts'
import { createStackspotEmulator, type StackspotEmulator } from '../../emulator/vendors/stackspot/index.ts'
import { makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { pushPayload, workflowDispatchPayload } from '../helpers/payloads.js'
import { runAction, type RunResult } from '../helpers/run-action.js'
import { recordSuccess } from '../helpers/workflow-runs.js'

let emu: RunningEmulator<StackSpotIdm | StackspotEmulator | GithubEmulator>
beforeAll(async () => {
  const idm = new StackSpotIdm()
  emu = await startEmulator({ vendors: [idm, createStackspotEmulator(idm), createGithubEmulator()], processingMs: 30 })
})
afterAll(() => emu.close())

const ss = () => emu.vendor('stackspot')
const objects = (slug: string) =>
  ss()
    .state()
    .knowledgeSources.find((k) => k.slug === slug)?.objects ?? []
/** `file path=content` for every object (`<owner/repo>/<path>` for the action's), manual ones as `-=content`, sorted. */
const contents = (slug: string) =>
  objects(slug)
    .map((o) => `${o.file_path ?? '-'}=${o.content ?? `<${o.checksum.slice(0, 8)}>`}`)
    .sort()
const uploadRequests = () => emu.requests.filter((r) => r.method === 'POST' && /file-upload\/form|\/s3\/|objects\/batch/.test(r.route))

function inputs(slug: string, extra: Record<string, string> = {}): Record<string, string> {
  return demoInputs('stackspot', emu.url, {
    'knowledge-base': slug,
    paths: 'docs/**/*.md',
    'processing-timeout': '30',
    'github-token': GITHUB_EMULATOR_TOKEN,
    ...extra
  })
}

/** A manual `workflow_dispatch` run: a full reconcile. */
async function dispatch(repo: TestRepo, slug: string, extra: Record<string, string> = {}, name = 'docs'): Promise<RunResult> {
  await repo.commit()
  await repo.push()
  const workspace = await repo.checkout()
  emu.requests.length = 0
  return runAction({
    inputs: inputs(slug, extra),
    workspace,
    eventName: 'workflow_dispatch',
    payload: workflowDispatchPayload({ owner: 'octo', name }),
    emulatorUrl: emu.url,
    timeoutMs: 90_000
  })
}

/** A push of the work clone's new commit, after a push run that synced `before`. */
async function push(repo: TestRepo, slug: string, extra: Record<string, string> = {}): Promise<RunResult> {
  await repo.commit()
  const { before, after } = await repo.push()
  const workspace = await repo.checkout(after, 2)
  recordSuccess(emu.vendor('github'), 'octo/docs', before)
  emu.requests.length = 0
  return runAction({
    inputs: inputs(slug, extra),
    workspace,
    eventName: 'push',
    payload: pushPayload({ owner: 'octo', name: 'docs', before, after }),
    emulatorUrl: emu.url,
    timeoutMs: 90_000
  })
}

const DOCS = {
  'docs/a.md': '# Alpha\n\nFirst doc.\n',
  'docs/guide/b.md': '# Beta\n\nNested doc.\n',
  'docs/ünïcode/日本語 guide.md': '# 日本語\n\nUnicode path.\n',
  'README.md': '# not in paths\n'
}

describe('StackSpot sync lifecycle', () => {
  let repo: TestRepo
  const slug = 'team-docs'
  beforeAll(async () => {
    emu.reset()
    repo = await makeRepo(DOCS)
  })
  afterAll(() => repo.cleanup())

  it('first sync creates the KS, waits until it accepts uploads, uploads every doc; unicode and nested paths kept', async () => {
    ss().seed({ settings: { newKsDelayMs: 400, newKsRefusals: 1 } })
    const r = await dispatch(repo, slug)
    expect(r.code, r.log).toBe(0)
    expect(r.outputs).toMatchObject({ uploaded: '3', failed: '0', deleted: '0' })
    expect(contents(slug)).toEqual([
      'octo/docs/docs/a.md=# Alpha\n\nFirst doc.\n',
      'octo/docs/docs/guide/b.md=# Beta\n\nNested doc.\n',
      'octo/docs/docs/ünïcode/日本語 guide.md=# 日本語\n\nUnicode path.\n'
    ])
    // The new KS refused the first batch, then took it.
    expect(
      uploadRequests()
        .filter((x) => x.route.endsWith('/objects/batch'))
        .map((x) => x.status)
    ).toContain(403)
    expect(r.summary).toMatch(/docs\/a\.md/)
  })

  it('manual objects added by hand are never touched', async () => {
    ss().seed({
      knowledgeSources: [{ slug, objects: [{ content: 'A note typed in the portal' }, { file_path: 'docs/manual.md', content: 'standalone upload' }] }]
    })
    await repo.remove('docs/a.md')
    const r = await dispatch(repo, slug)
    expect(r.code, r.log).toBe(0)
    expect(r.outputs).toMatchObject({ uploaded: '0', deleted: '1' })
    expect(contents(slug)).toEqual([
      '-=A note typed in the portal',
      'docs/manual.md=standalone upload',
      'octo/docs/docs/guide/b.md=# Beta\n\nNested doc.\n',
      'octo/docs/docs/ünïcode/日本語 guide.md=# 日本語\n\nUnicode path.\n'
    ])
  })

  it('a re-run with nothing changed uploads nothing', async () => {
    const r = await dispatch(repo, slug)
    expect(r.code, r.log).toBe(0)
    expect(r.outputs).toMatchObject({ uploaded: '0', unchanged: '2', deleted: '0', failed: '0' })
    expect(uploadRequests()).toEqual([])
    expect(emu.requests.filter((x) => x.method === 'DELETE')).toEqual([])
  })

  it('push with add, modify, rename and delete leaves exactly the new docs, old objects gone', async () => {
    await repo.write({ 'docs/a.md': '# Alpha\n\nBack again.\n', 'docs/new.md': '# New\n', 'docs/guide/b.md': '# Beta\n\nRevised.\n' })
    await repo.rename('docs/ünïcode/日本語 guide.md', 'docs/renamed/日本語.md')
    const oldIds = new Set(objects(slug).map((o) => o.id))
    const r = await push(repo, slug)
    expect(r.code, r.log).toBe(0)
    expect(r.outputs).toMatchObject({ uploaded: '4', deleted: '1', failed: '0' })
    expect(contents(slug)).toEqual([
      '-=A note typed in the portal',
      'docs/manual.md=standalone upload',
      'octo/docs/docs/a.md=# Alpha\n\nBack again.\n',
      'octo/docs/docs/guide/b.md=# Beta\n\nRevised.\n',
      'octo/docs/docs/new.md=# New\n',
      'octo/docs/docs/renamed/日本語.md=# 日本語\n\nUnicode path.\n'
    ])
    const survivors = objects(slug).filter((o) => oldIds.has(o.id))
    expect(survivors.map((o) => o.file_path ?? '-').sort()).toEqual(['-', 'docs/manual.md'])
  })

  it('survives token expiry mid-run and 429s with Retry-After', async () => {
    await repo.write({ 'docs/a.md': '# Alpha\n\nFourth.\n', 'docs/new.md': '# New v2\n' })
    emu.faults.add({ kind: 'vendor', name: 'stackspot-expire-tokens' })
    emu.faults.add({ kind: 'status', status: 429, retryAfter: 0, route: 'GET /stackspot/v1/knowledge-sources/:slug/objects', times: 2 })
    emu.faults.add({ kind: 'status', status: 429, retryAfter: 0, route: 'POST /stackspot/v1/knowledge-sources/:slug/objects/batch', times: 1 })
    const r = await push(repo, slug)
    expect(r.code, r.log).toBe(0)
    expect(r.outputs).toMatchObject({ uploaded: '2', failed: '0' })
    expect(emu.requests.filter((x) => x.status === 401).length).toBeGreaterThan(0)
    expect(emu.requests.filter((x) => x.status === 429)).toHaveLength(3)
    expect(contents(slug)).toContain('octo/docs/docs/a.md=# Alpha\n\nFourth.\n')
    expect(contents(slug)).toContain('octo/docs/docs/new.md=# New v2\n')
    expect(objects(slug).filter((o) => o.file_path === 'octo/docs/docs/a.md')).toHaveLength(1)
  })

  it("a persistent failure on one file fails the run, keeps that file's old object and deletes nothing", async () => {
    const before = contents(slug)
    emu.faults.add({ kind: 'vendor', name: 'stackspot-processing-error', match: 'docs/a.md', persistent: true })
    await repo.write({ 'docs/a.md': '# Alpha\n\nBroken version.\n', 'docs/c.md': '# C\n' })
    await repo.remove('docs/new.md')
    const r = await dispatch(repo, slug)
    emu.faults.clear()
    expect(r.code).toBe(1)
    expect(r.outputs).toMatchObject({ failed: '1', deleted: '0' })
    expect(r.log).toMatch(/docs\/a\.md/)
    const after = contents(slug)
    expect(after).toContain('octo/docs/docs/a.md=# Alpha\n\nFourth.\n')
    expect(after).toContain('octo/docs/docs/new.md=# New v2\n')
    expect(after).toContain('octo/docs/docs/c.md=# C\n')
    expect(after.filter((x) => x.startsWith('octo/docs/docs/a.md='))).toHaveLength(1)
    expect(before.every((x) => after.includes(x))).toBe(true)
  })
})

describe('StackSpot limits', () => {
  it('docs over 10 MiB in total go in several zips; a file over 10 MiB is skipped before any request', async () => {
    emu.reset()
    ss().seed({ settings: { newKsDelayMs: 0 }, knowledgeSources: [{ slug: 'big' }] })
    const four = 'x'.repeat(4 * 1024 * 1024)
    const repo = await makeRepo({
      'docs/1.md': `1${four}`,
      'docs/2.md': `2${four}`,
      'docs/3.md': `3${four}`,
      'docs/huge.md': 'h'.repeat(10 * 1024 * 1024 + 1),
      'docs/small.md': 'small'
    })
    try {
      const r = await dispatch(repo, 'big')
      expect(r.code, r.log).toBe(0)
      expect(r.outputs).toMatchObject({ uploaded: '4', skipped: '1', failed: '0' })
      expect(r.log).toMatch(/huge\.md/)
      const batches = emu.requests.filter((x) => x.route.endsWith('/objects/batch'))
      expect(batches.length).toBeGreaterThanOrEqual(2)
      expect(batches.every((b) => b.status === 202)).toBe(true)
      expect(
        objects('big')
          .map((o) => o.file_path)
          .sort()
      ).toEqual(['octo/docs/docs/1.md', 'octo/docs/docs/2.md', 'octo/docs/docs/3.md', 'octo/docs/docs/small.md'])
      expect(emu.requests.some((x) => x.path.includes('huge'))).toBe(false)
    } finally {
      await repo.cleanup()
    }
  })
})

describe('two repositories into one KS', () => {
  it("each syncs its own folder and never deletes the other's objects", async () => {
    emu.reset()
    ss().seed({ settings: { newKsDelayMs: 0 }, knowledgeSources: [{ slug: 'shared' }] })
    const one = await makeRepo({ 'docs/one/a.md': 'one-a', 'docs/one/b.md': 'one-b' })
    const two = await makeRepo({ 'docs/two/a.md': 'two-a', 'docs/two/b.md': 'two-b' })
    try {
      expect((await dispatch(one, 'shared', { paths: 'docs/one/**' }, 'one')).code).toBe(0)
      expect((await dispatch(two, 'shared', { paths: 'docs/two/**' }, 'two')).code).toBe(0)
      await one.remove('docs/one/b.md')
      const r = await dispatch(one, 'shared', { paths: 'docs/one/**' }, 'one')
      expect(r.code, r.log).toBe(0)
      expect(r.outputs).toMatchObject({ deleted: '1' })
      await two.write({ 'docs/two/a.md': 'two-a v2', 'docs/two/c.md': 'two-c' })
      const r2 = await dispatch(two, 'shared', { paths: 'docs/two/**' }, 'two')
      expect(r2.code, r2.log).toBe(0)
      expect(contents('shared')).toEqual([
        'octo/one/docs/one/a.md=one-a',
        'octo/two/docs/two/a.md=two-a v2',
        'octo/two/docs/two/b.md=two-b',
        'octo/two/docs/two/c.md=two-c'
      ])
      // With another repository's objects in the KS, StackSpot's auto-delete is never asked for.
      expect(emu.requests.filter((x) => x.route.endsWith('/objects/batch')).map((x) => x.path.split('?')[1])).toEqual(['auto-delete=false'])
    } finally {
      await one.cleanup()
      await two.cleanup()
    }
  })
})

describe('two repositories with the same paths, one KS, default inputs', () => {
  it("each one's full reconcile keeps the other's docs; each only changes its own", { timeout: 180_000 }, async () => {
    emu.reset()
    ss().seed({ settings: { newKsDelayMs: 0 }, knowledgeSources: [{ slug: 'same-paths' }] })
    const one = await makeRepo({ 'docs/index.md': 'one index', 'docs/only-one.md': 'one only' })
    const two = await makeRepo({ 'docs/index.md': 'two index', 'docs/guide.md': 'two guide' })
    try {
      expect((await dispatch(one, 'same-paths', {}, 'one')).code).toBe(0)
      const r2 = await dispatch(two, 'same-paths', {}, 'two')
      expect(r2.code, r2.log).toBe(0)
      expect(r2.outputs).toMatchObject({ uploaded: '2', deleted: '0' })
      // A complete snapshot of two's docs, but the KS holds another repository's objects: StackSpot's auto-delete could remove them.
      expect(emu.requests.filter((x) => x.route.endsWith('/objects/batch')).map((x) => x.path.split('?')[1])).toEqual(['auto-delete=false'])
      expect(contents('same-paths')).toEqual([
        'octo/one/docs/index.md=one index',
        'octo/one/docs/only-one.md=one only',
        'octo/two/docs/guide.md=two guide',
        'octo/two/docs/index.md=two index'
      ])

      await one.write({ 'docs/index.md': 'one index v2' })
      const r3 = await dispatch(one, 'same-paths', {}, 'one')
      expect(r3.code, r3.log).toBe(0)
      expect(r3.outputs).toMatchObject({ uploaded: '1', deleted: '0', unchanged: '1' })

      await two.remove('docs/index.md')
      await two.write({ 'docs/guide.md': 'two guide v2', 'docs/more.md': 'two more' })
      const r4 = await dispatch(two, 'same-paths', {}, 'two')
      expect(r4.code, r4.log).toBe(0)
      expect(r4.outputs).toMatchObject({ uploaded: '2', deleted: '1' })
      expect(contents('same-paths')).toEqual([
        'octo/one/docs/index.md=one index v2',
        'octo/one/docs/only-one.md=one only',
        'octo/two/docs/guide.md=two guide v2',
        'octo/two/docs/more.md=two more'
      ])
    } finally {
      await one.cleanup()
      await two.cleanup()
    }
  })
})

describe('StackSpot credentials', () => {
  it('a wrong client secret fails before anything is read or written, naming the inputs and permissions, secret masked', async () => {
    emu.reset()
    ss().seed({
      settings: { newKsDelayMs: 0 },
      knowledgeSources: [{ slug: 'locked', objects: [{ file_path: 'octo/docs/docs/a.md', content: 'kept', standalone: false }] }]
    })
    const repo = await makeRepo({ 'docs/a.md': 'changed' })
    try {
      const secret = 'wrong-secret-value-123'
      const r = await dispatch(repo, 'locked', { 'client-secret': secret })
      expect(r.code).toBe(1)
      expect(r.log).toMatch(/client-id.*client-secret.*realm/s)
      expect(r.log).toMatch(/ai_dev and ai_admin/)
      expect(r.log.replace(/::add-mask::.*\n/g, '')).not.toContain(secret)
      expect(r.summary).not.toContain(secret)
      expect(emu.requests.filter((x) => !x.route.includes('/idm/'))).toEqual([])
      expect(contents('locked')).toEqual(['octo/docs/docs/a.md=kept'])
    } finally {
      await repo.cleanup()
    }
  })
})
