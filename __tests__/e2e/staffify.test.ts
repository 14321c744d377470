/**
 * End to end: the bundled action against the Staffify emulator over loopback, asserting what the
 * knowledge base holds afterwards, the outputs and the log.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import {
  createStaffifyEmulator,
  type StaffifyEmulator,
  type StaffifyEntry,
  type StaffifySeed,
  type StaffifyStateKb
} from '../../emulator/vendors/staffify/index.ts'
import { keyInNamespace } from '../../src/namespace.js'
import { parseTag } from '../../src/vendors/staffify/entries.js'
import { makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { workflowDispatchPayload } from '../helpers/payloads.js'
import { runAction, type RunResult } from '../helpers/run-action.js'

let emu: RunningEmulator<StaffifyEmulator>
beforeAll(async () => {
  emu = await startEmulator({ vendors: [createStaffifyEmulator()] })
})
afterAll(() => emu.close())

const staffify = () => emu.vendor('staffify')
const kbs = () => staffify().state().knowledgeBases
const kbNamed = (name: string) => kbs().find((k) => k.name === name)!
const seed = (body: StaffifySeed) => staffify().seed(body)
/**
 * Entries of `kb` grouped by the doc key in their tag (which names `<namespace>/<key>`); manual
 * entries under `manual`, another namespace's under `<that namespace>:<key>`.
 */
function byDoc(kb: StaffifyStateKb, namespace = 'octo/docs'): Record<string, StaffifyEntry[]> {
  const out: Record<string, StaffifyEntry[]> = {}
  for (const e of kb.entries) {
    const tagged = parseTag(e.question)?.key
    const key = tagged === undefined ? 'manual' : (keyInNamespace(namespace, tagged) ?? `other:${tagged}`)
    out[key] = [...(out[key] ?? []), e]
  }
  return out
}
const writes = () => emu.requests.filter((r) => r.method !== 'GET')

const longSection = Array.from({ length: 40 }, (_, i) => `Step ${i}: ${'configure the widget carefully and check the output. '.repeat(9)}`).join('\n\n')
const DOCS = {
  'docs/a.md': '# Alpha guide\n\nAlpha intro.\n\n## Install\n\nRun the installer.\n\n## Use\n\nCall alpha().\n',
  'docs/b.md': '# Beta\n\nBeta is the second product.\n',
  'docs/long.md': `# Long\n\n## Details\n\n${longSection}\n`,
  'README.md': '# not in paths\n'
}

async function sync(repo: TestRepo, inputs: Record<string, string> = {}, killWhen?: () => boolean, name = 'docs'): Promise<RunResult> {
  await repo.commit()
  await repo.push()
  const workspace = await repo.checkout()
  emu.requests.length = 0
  return runAction({
    inputs: demoInputs('staffify', emu.url, {
      'knowledge-base': 'Support',
      'knowledge-base-description': 'Synced from octo/docs',
      paths: 'docs/**/*.md',
      mode: 'full',
      ...inputs
    }),
    workspace,
    eventName: 'workflow_dispatch',
    payload: workflowDispatchPayload({ owner: 'octo', name }),
    emulatorUrl: emu.url,
    killWhen
  })
}

/** Turns true once fault `id` has held a request: the moment a crash test kills the runner. */
const hit = (id: number) => () => emu.faults.active.some((f) => f.id === id && f.hits > 0)

async function repoFromOrigin(): Promise<TestRepo> {
  return makeRepo(DOCS)
}

describe('Staffify sync lifecycle', () => {
  let repo: TestRepo
  beforeAll(async () => {
    emu.reset()
    seed({ knowledgeBases: [{ name: 'Support', entries: [{ q: 'What are your opening hours?', a: 'Monday-Friday 9am-6pm CET.' }] }] })
    repo = await repoFromOrigin()
  })
  afterAll(() => repo.cleanup())

  it('first sync: one entry per section, tagged, long sections split within 8,000 characters, manual entries untouched', async () => {
    const r = await sync(repo)
    expect(r.code, r.log).toBe(0)
    expect(r.outputs).toMatchObject({ uploaded: '3', failed: '0', deleted: '0' })
    expect(kbs()).toHaveLength(1)
    const docs = byDoc(kbNamed('Support'))
    expect(docs.manual).toEqual([expect.objectContaining({ question: 'What are your opening hours?', answer: 'Monday-Friday 9am-6pm CET.' })])
    expect(docs['docs/a.md']!.map((e) => [e.question.replace(/ \[.*$/, ''), e.answer])).toEqual([
      ['Alpha guide', 'Alpha intro.'],
      ['Alpha guide › Install', 'Run the installer.'],
      ['Alpha guide › Use', 'Call alpha().']
    ])
    expect(docs['docs/b.md']!.map((e) => e.answer)).toEqual(['Beta is the second product.'])
    const long = docs['docs/long.md']!
    expect(long.length).toBeGreaterThan(1)
    for (const e of long) expect(e.question.length + e.answer.length).toBeLessThanOrEqual(8_000)
    expect(
      long
        .map((e) => e.answer)
        .join('')
        .replace(/\s+/g, '')
    ).toBe(longSection.replace(/\s+/g, ''))
    expect(Object.keys(docs).sort()).toEqual(['docs/a.md', 'docs/b.md', 'docs/long.md', 'manual'])
  })

  it('a re-run with nothing changed makes no write', async () => {
    const r = await sync(repo)
    expect(r.code, r.log).toBe(0)
    expect(r.outputs).toMatchObject({ uploaded: '0', unchanged: '3', deleted: '0' })
    expect(writes()).toEqual([])
  })

  it("edit, rename and delete: each doc's entries replaced or removed exactly, manual entries kept", async () => {
    const before = byDoc(kbNamed('Support'))
    await repo.write({ 'docs/a.md': '# Alpha guide\n\nAlpha intro, revised.\n\n## Install\n\nRun the installer.\n' })
    await repo.rename('docs/b.md', 'docs/beta/b.md')
    await repo.remove('docs/long.md')
    const r = await sync(repo)
    expect(r.code, r.log).toBe(0)
    expect(r.outputs).toMatchObject({ uploaded: '2', deleted: '2', failed: '0' })
    const docs = byDoc(kbNamed('Support'))
    expect(Object.keys(docs).sort()).toEqual(['docs/a.md', 'docs/beta/b.md', 'manual'])
    expect(docs['docs/a.md']!.map((e) => e.answer)).toEqual(['Alpha intro, revised.', 'Run the installer.'])
    expect(docs['docs/beta/b.md']!.map((e) => e.answer)).toEqual(['Beta is the second product.'])
    expect(docs.manual).toEqual(before.manual)
    // None of the old entries survive.
    const oldIds = new Set([...before['docs/a.md']!, ...before['docs/b.md']!, ...before['docs/long.md']!].map((e) => e.id))
    expect(kbNamed('Support').entries.filter((e) => oldIds.has(e.id))).toEqual([])
  })

  it('a crash between adding the new entries and deleting the old ones converges on the next run, without duplicates', async () => {
    await repo.write({ 'docs/a.md': '# Alpha guide\n\nAlpha intro, third version.\n\n## Install\n\nRun the installer twice.\n' })
    // The first delete never answers; the runner is killed while waiting for it.
    const stall = emu.faults.add({ route: 'DELETE /staffify/v1/knowledge-bases/:kbId/entries/:entryId', kind: 'stall' })
    await expect(sync(repo, { concurrency: '1' }, hit(stall))).rejects.toThrow(/killed/)
    const crashed = byDoc(kbNamed('Support'))['docs/a.md']!
    expect(crashed.map((e) => e.answer)).toEqual(['Alpha intro, revised.', 'Run the installer.', 'Alpha intro, third version.', 'Run the installer twice.'])

    const r = await sync(repo)
    expect(r.code, r.log).toBe(0)
    expect(r.outputs).toMatchObject({ uploaded: '1', failed: '0' })
    expect(r.log).toContain('already added by an earlier run')
    expect(writes().filter((w) => w.method === 'POST')).toEqual([])
    const docs = byDoc(kbNamed('Support'))
    expect(docs['docs/a.md']!.map((e) => e.answer)).toEqual(['Alpha intro, third version.', 'Run the installer twice.'])
    expect(docs.manual).toHaveLength(1)

    const again = await sync(repo)
    expect(again.outputs).toMatchObject({ uploaded: '0', unchanged: '2' })
    expect(writes()).toEqual([])
  })

  it('a crash in the middle of adding (a partial new version) is replaced cleanly too', async () => {
    const paragraphs = Array.from({ length: 130 }, (_, i) => `## Q${i}\n\nAnswer ${i}.\n`).join('\n')
    await repo.write({ 'docs/many.md': `# Many\n\n${paragraphs}` })
    // The second POST never answers: 100 of 130 entries are in, then the runner dies.
    const stall = emu.faults.add({ route: 'POST /staffify/v1/knowledge-bases/:kbId/entries', kind: 'stall', match: 'Many › Q100' })
    await expect(sync(repo, { concurrency: '1' }, hit(stall))).rejects.toThrow(/killed/)
    expect(byDoc(kbNamed('Support'))['docs/many.md']).toHaveLength(100)

    const r = await sync(repo)
    expect(r.code, r.log).toBe(0)
    const many = byDoc(kbNamed('Support'))['docs/many.md']!
    expect(many).toHaveLength(130)
    expect(new Set(many.map((e) => parseTag(e.question)!.index)).size).toBe(130)
    expect(many.every((e) => parseTag(e.question)!.total === 130)).toBe(true)
    expect(many[129]!.answer).toBe('Answer 129.')
  })
})

describe('Staffify knowledge base resolution', () => {
  let repo: TestRepo
  beforeAll(async () => {
    repo = await repoFromOrigin()
  })
  afterAll(() => repo.cleanup())
  beforeEach(() => emu.reset())

  it('creates a missing knowledge base by name with the description, and finds it by paging the list next time', async () => {
    seed({ knowledgeBases: Array.from({ length: 130 }, (_, i) => ({ name: `Other ${i}` })) })
    const r = await sync(repo, { 'knowledge-base': 'Docs KB' })
    expect(r.code, r.log).toBe(0)
    expect(kbNamed('Docs KB')).toMatchObject({ description: 'Synced from octo/docs' })
    expect(kbs()).toHaveLength(131)
    const again = await sync(repo, { 'knowledge-base': 'Docs KB' })
    expect(again.code, again.log).toBe(0)
    expect(kbs()).toHaveLength(131)
    expect(again.outputs.unchanged).toBe('3')
  })

  it('takes a kb_ id, and fails clearly on an unknown id or a missing name without create-if-missing', async () => {
    const { created } = seed({ knowledgeBases: [{ name: 'By id' }] })
    const ok = await sync(repo, { 'knowledge-base': created[0]! })
    expect(ok.code, ok.log).toBe(0)
    expect(byDoc(kbNamed('By id'))['docs/b.md']).toHaveLength(1)

    const unknown = await sync(repo, { 'knowledge-base': 'kb_99999999' })
    expect(unknown.code).toBe(1)
    expect(unknown.log).toMatch(/knowledge base kb_99999999 was not found/)
    const missing = await sync(repo, { 'knowledge-base': 'Nope', 'create-if-missing': 'false' })
    expect(missing.code).toBe(1)
    expect(missing.log).toMatch(/No Staffify knowledge base is named "Nope"/)
    expect(kbs().map((k) => k.name)).toEqual(['By id'])
  })

  it('describes a knowledge base it creates by the repository when no description is given', async () => {
    const r = await sync(repo, { 'knowledge-base': 'Plain', 'knowledge-base-description': '' })
    expect(r.code, r.log).toBe(0)
    expect(kbNamed('Plain').description).toBe('Docs from octo/docs, kept in step by Knowledge Sync.')
  })

  it('a dry run creates nothing and writes nothing', async () => {
    const r = await sync(repo, { 'knowledge-base': 'Fresh', 'dry-run': 'true' })
    expect(r.code, r.log).toBe(0)
    expect(kbs()).toEqual([])
    expect(writes()).toEqual([])
  })
})

describe("Staffify failures in the user's terms", () => {
  let repo: TestRepo
  beforeAll(async () => {
    repo = await repoFromOrigin()
  })
  afterAll(() => repo.cleanup())
  beforeEach(() => emu.reset())

  it('a plan entry cap (403) fails the docs that do not fit, keeps the previous version, and says what to do', async () => {
    seed({ knowledgeBases: [{ name: 'Support' }] })
    expect((await sync(repo)).code).toBe(0)
    const before = kbNamed('Support').entries.length
    seed({ orgs: [{ id: 'org_demo', entryCap: before }] })
    await repo.write({ 'docs/b.md': '# Beta\n\nBeta, edited.\n' })
    const r = await sync(repo)
    expect(r.code).toBe(1)
    expect(r.outputs).toMatchObject({ failed: '1' })
    expect(r.log).toMatch(/HTTP 403/)
    expect(r.log).toMatch(/entry limit is reached/)
    expect(byDoc(kbNamed('Support'))['docs/b.md']!.map((e) => e.answer)).toEqual(['Beta is the second product.'])
    expect(kbNamed('Support').entries).toHaveLength(before)
  })

  it('a read-only key fails with a message that says so, and a bad key fails before anything else', async () => {
    seed({ keys: [{ key: 'sfy_live_readonly_1234', readOnly: true }], knowledgeBases: [{ name: 'Support' }] })
    const r = await sync(repo, { 'api-key': 'sfy_live_readonly_1234', concurrency: '1' })
    expect(r.code).toBe(1)
    expect(r.log).toMatch(/read-only/)
    expect(r.log.replace(/^::add-mask::.*$/gm, '')).not.toContain('readonly_1234')
    // The key is refused once; the other docs are not tried against a key that cannot write.
    expect(emu.requests.filter((q) => q.method === 'POST')).toHaveLength(1)
    expect(r.outputs.failed).toBe('3')
    expect(kbNamed('Support').entries).toEqual([])

    const bad = await sync(repo, { 'api-key': 'sfy_live_wrong_key_999' })
    expect(bad.code).toBe(1)
    expect(bad.log).toMatch(/check the API key failed \(HTTP 401\)/)
    expect(emu.requests.every((q) => q.method === 'GET' && q.status === 401)).toBe(true)
  })

  it('exhausted credits (402) are reported as such', async () => {
    seed({ orgs: [{ id: 'org_demo', creditsExhausted: true }], knowledgeBases: [{ name: 'Support' }] })
    const r = await sync(repo)
    expect(r.code).toBe(1)
    expect(r.log).toMatch(/run out of credits/)
  })

  it('entries whose embedding failed are retried and reported as warnings', async () => {
    seed({ knowledgeBases: [{ name: 'Support' }] })
    emu.faults.add({ kind: 'vendor', name: 'staffify-embedding-fail', match: 'Run the installer.' })
    // The upload waits up to processing-timeout (at most 15 s) for a pending embedding before retrying it.
    const r = await sync(repo, { 'processing-timeout': '10' })
    expect(r.code, r.log).toBe(0)
    expect(r.summary).toMatch(/docs\/a\.md: 1 of 3 Staffify entries had no embedding/)
    expect(emu.requests.filter((q) => q.route.endsWith('/retry-embedding'))).toHaveLength(1)
    expect(kbNamed('Support').entries.every((e) => e.has_embedding)).toBe(true)
  })

  it('honours X-RateLimit-Remaining/Reset: waits for the window instead of running into 429', async () => {
    seed({ knowledgeBases: [{ name: 'Support' }], rateLimit: { limit: 4, windowSeconds: 1 } })
    const r = await sync(repo, { concurrency: '1' })
    expect(r.code, r.log).toBe(0)
    expect(r.log).toMatch(/rate-limit window used up, waiting/)
    expect(emu.requests.filter((q) => q.status === 429)).toEqual([])
    expect(Object.keys(byDoc(kbNamed('Support'))).sort()).toEqual(['docs/a.md', 'docs/b.md', 'docs/long.md'])
  })

  it('with parallel uploads, a 429 that still happens is waited out and the sync completes exactly', async () => {
    seed({ knowledgeBases: [{ name: 'Support' }], rateLimit: { limit: 5, windowSeconds: 1 } })
    const r = await sync(repo, { concurrency: '4' })
    expect(r.code, r.log).toBe(0)
    const docs = byDoc(kbNamed('Support'))
    expect(Object.keys(docs).sort()).toEqual(['docs/a.md', 'docs/b.md', 'docs/long.md'])
    expect(docs['docs/a.md']).toHaveLength(3)
    expect(docs['docs/b.md']).toHaveLength(1)
    expect(new Set(kbNamed('Support').entries.map((e) => e.question)).size).toBe(kbNamed('Support').entries.length)
  })
})

describe('two repositories with the same paths, one knowledge base, default inputs', () => {
  it("each one's full reconcile keeps the other's docs; each only changes its own", { timeout: 180_000 }, async () => {
    emu.reset()
    seed({ knowledgeBases: [{ name: 'Support', entries: [{ q: 'Opening hours?', a: 'Always.' }] }] })
    const one = await makeRepo({ 'docs/index.md': '# Index\n\nOne index.\n', 'docs/only-one.md': '# Only one\n\nOne only.\n' })
    const two = await makeRepo({ 'docs/index.md': '# Index\n\nTwo index.\n' })
    try {
      expect((await sync(one, {}, undefined, 'one')).code).toBe(0)
      const r2 = await sync(two, {}, undefined, 'two')
      expect(r2.code, r2.log).toBe(0)
      expect(r2.outputs).toMatchObject({ uploaded: '1', deleted: '0' })

      await one.write({ 'docs/index.md': '# Index\n\nOne index, v2.\n' })
      const r3 = await sync(one, {}, undefined, 'one')
      expect(r3.code, r3.log).toBe(0)
      expect(r3.outputs).toMatchObject({ uploaded: '1', deleted: '0', unchanged: '1' })

      await two.remove('docs/index.md')
      await two.write({ 'docs/other.md': '# Other\n\nTwo other.\n' })
      const r4 = await sync(two, {}, undefined, 'two')
      expect(r4.code, r4.log).toBe(0)
      expect(r4.outputs).toMatchObject({ uploaded: '1', deleted: '1' })

      const answers = (docs: Record<string, StaffifyEntry[]>) => Object.fromEntries(Object.entries(docs).map(([k, v]) => [k, v.map((e) => e.answer)]))
      expect(answers(byDoc(kbNamed('Support'), 'octo/one'))).toEqual({
        'docs/index.md': ['One index, v2.'],
        'docs/only-one.md': ['One only.'],
        'other:octo/two/docs/other.md': ['Two other.'],
        manual: ['Always.']
      })
      // What an agent reads as the question names the repository the doc came from.
      expect(
        kbNamed('Support')
          .entries.map((e) => e.question)
          .sort()
      ).toEqual([
        expect.stringMatching(/^Index \[octo\/one\/docs\/index\.md · 1\/1 · [0-9a-f]{12}\]$/),
        expect.stringMatching(/^Only one \[octo\/one\/docs\/only-one\.md · 1\/1 · [0-9a-f]{12}\]$/),
        'Opening hours?',
        expect.stringMatching(/^Other \[octo\/two\/docs\/other\.md · 1\/1 · [0-9a-f]{12}\]$/)
      ])
    } finally {
      await one.cleanup()
      await two.cleanup()
    }
  })
})
