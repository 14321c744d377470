/**
 * End to end: the bundled action, run as the runner runs it, on a fetch-depth 1 checkout, finding
 * a push's changes through the GitHub emulator's compare API and syncing only those to the
 * Staffify emulator; falling back to a full reconcile (or failing in mode `changed`) when the
 * push cannot be diffed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { createGithubEmulator, type GithubEmulator } from '../../emulator/vendors/github/index.ts'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import { createStaffifyEmulator, type StaffifyEmulator } from '../../emulator/vendors/staffify/index.ts'
import { parseNameStatus } from '../../src/changes/detect.ts'
import { keyInNamespace } from '../../src/namespace.ts'
import { parseTag } from '../../src/vendors/staffify/entries.ts'
import { git, makeRepo, type TestRepo } from '../helpers/git-repo.ts'
import { pushPayload } from '../helpers/payloads.ts'
import type { RunResult } from '../helpers/run-action.ts'
import { runRecorded } from '../helpers/workflow-runs.ts'

const OWNER = 'octo'
const NAME = 'handbook'
const TOKEN = 'ghs_e2e_changes_token'

let emu: RunningEmulator<StaffifyEmulator | GithubEmulator>
let repo: TestRepo
beforeAll(async () => {
  emu = await startEmulator({ vendors: [createStaffifyEmulator(), createGithubEmulator()] })
  emu.vendor('github').seed({ repo: `${OWNER}/${NAME}`, tokens: { [TOKEN]: { login: 'github-actions[bot]', type: 'Bot', id: 41898282 } } })
  repo = await makeRepo({
    'docs/a.md': '# Alpha\n\nAlpha v1.\n',
    'docs/b.md': '# Beta\n\nBeta is the second product, described at some length so git sees a rename.\n',
    'docs/c.md': '# Gamma\n\nGamma.\n',
    'docs/d.md': '# Delta\n\nDelta.\n',
    'README.md': 'not a doc\n'
  })
})
afterAll(async () => {
  await repo?.cleanup()
  await emu?.close()
})

/** Doc key → its entries' answers, in the Support knowledge base (tags outside this repository's namespace marked `foreign:`). */
function store(): Record<string, string[]> {
  const kb = emu
    .vendor('staffify')
    .state()
    .knowledgeBases.find((k) => k.name === 'Support')
  const out: Record<string, string[]> = {}
  for (const e of kb?.entries ?? []) {
    const tagged = parseTag(e.question)?.key
    const key = tagged === undefined ? 'manual' : (keyInNamespace(`${OWNER}/${NAME}`, tagged) ?? `foreign:${tagged}`)
    out[key] = [...(out[key] ?? []), e.answer]
  }
  return out
}

/** Seeds what GitHub's compare API would answer for this push, from the real repository. */
async function seedCompareFromGit(before: string, after: string): Promise<void> {
  const changes = parseNameStatus(await git(repo.work, 'diff', '--name-status', '-z', '-M', before, after))
  const files = changes.map((c) => ({ filename: c.path, status: c.status, ...(c.previousPath ? { previous_filename: c.previousPath } : {}) }))
  emu.vendor('github').seed({ repo: `${OWNER}/${NAME}`, compares: [{ base: before, head: after, status: 'ahead', files }] })
}

async function run(push: { before: string; after: string; forced?: boolean }, inputs: Record<string, string> = {}): Promise<RunResult> {
  const workspace = await repo.checkout(push.after, 1)
  emu.requests.length = 0
  // Each run is recorded as GitHub would, so the next push's run diffs from where it left the store.
  return runRecorded(emu.vendor('github'), {
    inputs: demoInputs('staffify', emu.url, { 'knowledge-base': 'Support', paths: 'docs/**/*.md', 'github-token': TOKEN, ...inputs }),
    workspace,
    eventName: 'push',
    payload: pushPayload({ owner: OWNER, name: NAME, ...push }),
    emulatorUrl: emu.url,
    headSha: push.after
  })
}

const staffifyWrites = () => emu.requests.filter((r) => r.path.startsWith('/staffify') && r.method !== 'GET')

describe('change detection, end to end', () => {
  it('a new branch is a full reconcile, with the reason as a notice', async () => {
    const first = await repo.push()
    const r = await run(first)
    expect(r.code, r.log).toBe(0)
    expect(r.log).toMatch(/::notice::Full reconcile: the push created refs\/heads\/main/)
    expect(Object.keys(store()).sort()).toEqual(['docs/a.md', 'docs/b.md', 'docs/c.md', 'docs/d.md'])
  })

  it('a push to a fetch-depth 1 checkout syncs exactly what the compare API lists', async () => {
    await repo.write({ 'docs/a.md': '# Alpha\n\nAlpha v2.\n', 'README.md': 'still not a doc\n' })
    await repo.commit('edit a')
    await repo.rename('docs/b.md', 'docs/beta/b.md')
    await repo.remove('docs/c.md')
    await repo.commit('move b, drop c')
    const push = await repo.push()
    await seedCompareFromGit(push.before, push.after)
    const r = await run(push)
    expect(r.code, r.log).toBe(0)
    expect(r.log).toContain(`changed files, from push ${push.before.slice(0, 7)}..${push.after.slice(0, 7)} (compare API)`)
    expect(r.log).not.toMatch(/Full reconcile/)
    expect(emu.requests.filter((q) => q.path.startsWith(`/github/repos/${OWNER}/${NAME}/compare/`))).toHaveLength(1)
    const s = store()
    expect(Object.keys(s).sort()).toEqual(['docs/a.md', 'docs/beta/b.md', 'docs/d.md'])
    expect(s['docs/a.md']).toEqual(['Alpha v2.'])
    expect(r.outputs).toMatchObject({ deleted: '2', failed: '0' })
  })

  it('a push the compare API cannot diff (unknown base) falls back to a full reconcile', async () => {
    await repo.write({ 'docs/d.md': '# Delta\n\nDelta v2.\n' })
    await repo.commit('edit d')
    const push = await repo.push()
    // Nothing seeded: GitHub answers 404 for a comparison it cannot make.
    const r = await run(push)
    expect(r.code, r.log).toBe(0)
    expect(r.log).toMatch(/::notice::Full reconcile: GitHub does not know/)
    expect(store()['docs/d.md']).toEqual(['Delta v2.'])
  })

  it('a force push: full reconcile in auto; mode changed fails before touching the store', async () => {
    await repo.write({ 'docs/e.md': '# Epsilon\n\nOnly in history that gets rewritten.\n' })
    await repo.commit('add e')
    const rewritten = await repo.push()
    await seedCompareFromGit(rewritten.before, rewritten.after)
    expect((await run(rewritten)).code).toBe(0)
    expect(store()['docs/e.md']).toEqual(['Only in history that gets rewritten.'])
    await git(repo.work, 'reset', '-q', '--hard', 'HEAD~1')
    await repo.write({ 'docs/f.md': '# Phi\n\nNew history.\n' })
    await repo.commit('add f')
    const forced = { ...(await repo.push({ force: true })), forced: true }
    expect(forced.before).toBe(rewritten.after)

    const strict = await run(forced, { mode: 'changed' })
    expect(strict.code).toBe(1)
    expect(strict.log).toMatch(/mode is `changed`: force push/)
    expect(staffifyWrites()).toEqual([])

    const r = await run(forced)
    expect(r.code, r.log).toBe(0)
    expect(r.log).toMatch(/::notice::Full reconcile: force push to refs\/heads\/main/)
    // The full reconcile removes the doc that only the rewritten-away commit had.
    expect(Object.keys(store()).sort()).toEqual(['docs/a.md', 'docs/beta/b.md', 'docs/d.md', 'docs/f.md'])
  })
})

describe('no push is lost after a failed run, end to end', () => {
  it("push 1's run fails on a vendor outage; push 2's run syncs push 1's changes too", async () => {
    await repo.write({ 'docs/g.md': '# Gamma 2\n\nAdded by push 1.\n' })
    await repo.remove('docs/d.md')
    await repo.commit('push 1')
    const push1 = await repo.push()
    await seedCompareFromGit(push1.before, push1.after)
    emu.faults.add({ kind: 'status', status: 500, route: 'POST /staffify/v1/knowledge-bases/:kbId/entries', persistent: true })
    const failed = await run(push1)
    emu.faults.clear()
    expect(failed.code, failed.log).toBe(1)
    // Nothing of push 1 reached the store: its upload failed, so its deletion never ran.
    expect(store()['docs/d.md']).toEqual(['Delta v2.'])
    expect(store()['docs/g.md']).toBeUndefined()

    await repo.write({ 'docs/a.md': '# Alpha\n\nAlpha v3, from push 2.\n' })
    await repo.commit('push 2')
    const push2 = await repo.push()
    // What the compare API answers from the last commit a successful run synced.
    await seedCompareFromGit(push1.before, push2.after)
    const r = await run(push2)
    expect(r.code, r.log).toBe(0)
    expect(r.log).toContain(
      `The run for ${push1.after.slice(0, 7)} did not succeed; syncing from ${push1.before.slice(0, 7)}, the last commit a successful run synced`
    )
    expect(r.log).not.toMatch(/Full reconcile/)
    const s = store()
    expect(Object.keys(s).sort()).toEqual(['docs/a.md', 'docs/beta/b.md', 'docs/f.md', 'docs/g.md'])
    expect(s['docs/a.md']).toEqual(['Alpha v3, from push 2.'])
    expect(s['docs/g.md']).toEqual(['Added by push 1.'])
    // The two extra calls of a push, by the workflow GITHUB_WORKFLOW_REF names: its last successful
    // push run, then its completed runs (whether a manual or scheduled full sync failed since).
    expect(emu.requests.filter((q) => q.path.startsWith(`/github/repos/${OWNER}/${NAME}/actions/`)).map((q) => q.path)).toEqual([
      `/github/repos/${OWNER}/${NAME}/actions/workflows/knowledge-sync.yml/runs?branch=main&event=push&status=success&per_page=20`,
      `/github/repos/${OWNER}/${NAME}/actions/workflows/knowledge-sync.yml/runs?branch=main&status=completed&per_page=20`
    ])
  })

  it('without `actions: read` a push is a full reconcile, with a notice naming the permission', async () => {
    const limited = 'ghs_e2e_no_actions_read_token'
    emu.vendor('github').seed({ tokens: { [limited]: { login: 'github-actions[bot]', type: 'Bot', id: 41898282, permissions: { actions: 'none' } } } })
    await repo.write({ 'docs/a.md': '# Alpha\n\nAlpha v4.\n' })
    await repo.commit('push 3')
    const push3 = await repo.push()
    await seedCompareFromGit(push3.before, push3.after)
    const r = await run(push3, { 'github-token': limited })
    expect(r.code, r.log).toBe(0)
    expect(r.log).toMatch(
      /::notice::Full reconcile: cannot tell which commit the last successful run of this workflow synced \(.*HTTP 403.*`permissions: actions: read`/
    )
    expect(store()['docs/a.md']).toEqual(['Alpha v4.'])
  })
})
