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
import { parseTag } from '../../src/vendors/staffify/entries.ts'
import { git, makeRepo, type TestRepo } from '../helpers/git-repo.ts'
import { pushPayload } from '../helpers/payloads.ts'
import { runAction, type RunResult } from '../helpers/run-action.ts'

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

/** Doc key → its entries' answers, in the Support knowledge base. */
function store(): Record<string, string[]> {
  const kb = emu.vendor('staffify').state().knowledgeBases.find((k) => k.name === 'Support')
  const out: Record<string, string[]> = {}
  for (const e of kb?.entries ?? []) (out[parseTag(e.question)?.key ?? 'manual'] ??= []).push(e.answer)
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
  return runAction({
    inputs: demoInputs('staffify', emu.url, { 'knowledge-base': 'Support', paths: 'docs/**/*.md', 'github-token': TOKEN, ...inputs }),
    workspace,
    eventName: 'push',
    payload: pushPayload({ owner: OWNER, name: NAME, ...push }),
    emulatorUrl: emu.url
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
