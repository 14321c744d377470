/**
 * Change detection against real git repositories (a bare origin, full and shallow clones as
 * actions/checkout makes them), GitHub's own webhook payloads, and the GitHub emulator standing
 * in for the compare, pull request files and workflow runs APIs.
 */
import { getOctokit } from '@actions/github'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { createGithubEmulator, type GithubEmulator, type SeedCompare } from '../../emulator/vendors/github/index.ts'
import { detectChanges, parseNameStatus } from '../../src/changes/detect.ts'
import type { ChangeSet, FileChange } from '../../src/changes/types.ts'
import { toRunContext } from '../../src/context.ts'
import { ActionError } from '../../src/errors.ts'
import { memoryLog } from '../../src/log.ts'
import { git, makeRepo, type TestRepo } from '../helpers/git-repo.ts'
import { examplePayload, pullRequestPayload, pullRequestReviewPayload, pushPayload, workflowDispatchPayload } from '../helpers/payloads.ts'

const OWNER = 'octo'
const NAME = 'docs'
const TOKEN = 'ghs_changes_test_token'

let emu: RunningEmulator<GithubEmulator>
let repo: TestRepo | undefined

beforeAll(async () => {
  emu = await startEmulator({ vendors: [createGithubEmulator()] })
})
afterAll(() => emu.close())
beforeEach(() => {
  emu.reset()
  emu.vendor('github').seed({ repo: `${OWNER}/${NAME}`, tokens: { [TOKEN]: { login: 'github-actions[bot]', type: 'Bot', id: 41898282 } } })
})
afterEach(async () => {
  await repo?.cleanup()
  repo = undefined
})

const octokit = () => getOctokit(TOKEN, { baseUrl: `${emu.url}/github` })

type Mode = 'auto' | 'changed' | 'full'

/** This run's id, and the workflow GITHUB_WORKFLOW_REF names. */
const RUN_ID = 4242
const WORKFLOW_REF = `${OWNER}/${NAME}/.github/workflows/knowledge-sync.yml@refs/heads/main`

/** Records a run of the workflow for `headSha` (a successful one unless told otherwise), as GitHub would have. */
function seedRun(
  headSha: string,
  more: { id?: number; conclusion?: 'success' | 'failure' | 'cancelled' | 'skipped'; workflow?: string; event?: string; created_at?: string } = {}
) {
  emu.vendor('github').seed({ repo: `${OWNER}/${NAME}`, workflowRuns: [{ head_sha: headSha, ...more }] })
}

interface DetectOptions {
  mode?: Mode
  withToken?: boolean
  /** The commit the last successful push run synced; default the push's `before` (the previous run succeeded); null seeds none. */
  lastSynced?: string | null
  runId?: number
  workflowRef?: string
  log?: ReturnType<typeof memoryLog>
}

async function detect(eventName: string, payload: Record<string, any>, workspace: string, opts: DetectOptions = {}): Promise<ChangeSet> {
  const sha = payload.after ?? payload.pull_request?.head?.sha ?? '0'.repeat(40)
  const lastSynced = opts.lastSynced === undefined ? (eventName === 'push' ? payload.before : null) : opts.lastSynced
  if (lastSynced && !/^0+$/.test(lastSynced)) seedRun(lastSynced)
  const run = toRunContext(
    {
      eventName,
      sha,
      payload,
      serverUrl: 'https://github.com',
      apiUrl: `${emu.url}/github`,
      repo: { owner: OWNER, repo: NAME },
      runId: 'runId' in opts ? opts.runId : RUN_ID
    },
    workspace,
    { GITHUB_WORKFLOW_REF: 'workflowRef' in opts ? opts.workflowRef : WORKFLOW_REF }
  )
  return detectChanges({ run, mode: opts.mode ?? 'auto', octokit: opts.withToken === false ? undefined : octokit(), log: opts.log ?? memoryLog() })
}

const byPath = (changes: readonly FileChange[]) => [...changes].sort((a, b) => a.path.localeCompare(b.path))
const apiCalls = (fragment: string) => emu.requests.filter((r) => r.path.includes(fragment))

function seedCompare(
  base: string,
  head: string,
  files: Array<{ filename: string; status: string; previous_filename?: string }>,
  status: SeedCompare['status'] = 'ahead'
) {
  emu.vendor('github').seed({ repo: `${OWNER}/${NAME}`, compares: [{ base, head, status, files }] })
}

/** Initial docs, then one push of three commits that adds, modifies, renames and deletes. */
async function multiCommitPush() {
  repo = await makeRepo({
    'docs/keep.md': '# Keep\n',
    'docs/edit.md': '# Edit\n\nfirst\n',
    'docs/old name.md': '# Moving doc\n\nA body long enough for git to see the rename as one.\n',
    'docs/drop.md': '# Drop\n',
    'README.md': 'readme\n'
  })
  await repo.push()
  await repo.write({ 'docs/edit.md': '# Edit\n\nsecond\n' })
  await repo.commit('edit')
  await repo.rename('docs/old name.md', 'docs/guide/new name.md')
  await repo.write({ 'docs/added.md': '# Added\n' })
  await repo.commit('rename and add')
  await repo.remove('docs/drop.md')
  await repo.write({ 'docs/transient.md': 'created then removed in the same push\n' })
  await repo.commit('delete')
  await repo.remove('docs/transient.md')
  await repo.commit('cleanup')
  return repo.push()
}

const EXPECTED_PUSH: FileChange[] = [
  { path: 'docs/added.md', status: 'added' },
  { path: 'docs/drop.md', status: 'removed' },
  { path: 'docs/edit.md', status: 'modified' },
  { path: 'docs/guide/new name.md', status: 'renamed', previousPath: 'docs/old name.md' }
]

describe('push', () => {
  it('diffs every commit of the push with local git when the clone has both commits', async () => {
    const { before, after } = await multiCommitPush()
    const result = await detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), repo!.work)
    expect(result).toMatchObject({ kind: 'diff', source: `push ${before.slice(0, 7)}..${after.slice(0, 7)} (git)` })
    expect(byPath((result as any).changes)).toEqual(EXPECTED_PUSH)
    expect(apiCalls('/compare/')).toHaveLength(0)
  })

  it('diffs locally in a shallow checkout deep enough to hold the before commit', async () => {
    const { before, after } = await multiCommitPush()
    const ws = await repo!.checkout(after, 5)
    const result = await detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), ws)
    expect(result.kind === 'diff' && result.source).toMatch(/\(git\)$/)
    expect(byPath((result as any).changes)).toEqual(EXPECTED_PUSH)
    expect(apiCalls('/compare/')).toHaveLength(0)
  })

  it('asks the compare API when a fetch-depth 1 checkout cannot diff, and maps its statuses', async () => {
    const { before, after } = await multiCommitPush()
    const ws = await repo!.checkout(after, 1)
    // The shallow clone really lacks the base: the test would be meaningless otherwise.
    await expect(git(ws, 'cat-file', '-e', `${before}^{commit}`)).rejects.toThrow()
    seedCompare(before, after, [
      { filename: 'docs/edit.md', status: 'modified' },
      { filename: 'docs/guide/new name.md', status: 'renamed', previous_filename: 'docs/old name.md' },
      { filename: 'docs/added.md', status: 'added' },
      { filename: 'docs/drop.md', status: 'removed' },
      { filename: 'docs/copy.md', status: 'copied' },
      { filename: 'docs/mode.md', status: 'changed' }
    ])
    const result = await detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), ws)
    expect(result).toMatchObject({ kind: 'diff', source: `push ${before.slice(0, 7)}..${after.slice(0, 7)} (compare API)` })
    expect(byPath((result as any).changes)).toEqual(
      byPath([...EXPECTED_PUSH, { path: 'docs/copy.md', status: 'added' }, { path: 'docs/mode.md', status: 'modified' }])
    )
    expect(apiCalls(`/compare/${before}...${after}`)).toHaveLength(1)
  })

  it('falls back to full when the compare API lists 300 files (its cap), but not at 299', async () => {
    const { before, after } = await multiCommitPush()
    const ws = await repo!.checkout(after, 1)
    const files = (n: number) => Array.from({ length: n }, (_, i) => ({ filename: `docs/f${i}.md`, status: 'modified' }))
    seedCompare(before, after, files(301))
    const capped = await detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), ws)
    expect(capped.kind).toBe('full')
    expect(capped.kind === 'full' && capped.reason).toMatch(/300 or more files/)
    await expect(detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), ws, { mode: 'changed' })).rejects.toThrow(/300 or more files/)
    seedCompare(before, after, files(299))
    const under = await detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), ws)
    expect(under.kind === 'diff' && under.changes.length).toBe(299)
  })

  it('falls back to full when neither git nor GitHub knows the base commit (404)', async () => {
    const { before, after } = await multiCommitPush()
    const ws = await repo!.checkout(after, 1)
    const result = await detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), ws)
    expect(result.kind === 'full' && result.reason).toMatch(/GitHub does not know/)
    expect(apiCalls('/compare/')).toHaveLength(1)
  })

  it('falls back to full when the compare says the base is not an ancestor', async () => {
    const { before, after } = await multiCommitPush()
    const ws = await repo!.checkout(after, 1)
    seedCompare(before, after, [{ filename: 'docs/edit.md', status: 'modified' }], 'diverged')
    const result = await detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), ws)
    expect(result.kind === 'full' && result.reason).toMatch(/not an ancestor.*diverged/)
  })

  it('distrusts a compare answer without a file list, and takes `identical` as no changes', async () => {
    const { before, after } = await multiCommitPush()
    const ws = await repo!.checkout(after, 1)
    const lastRun = { id: 1, head_sha: before, conclusion: 'success', created_at: '2026-01-01T00:00:00Z' }
    const answering = (data: Record<string, unknown>) =>
      ({
        rest: {
          repos: { compareCommitsWithBasehead: async () => ({ status: 200, data }) },
          actions: { listWorkflowRuns: async () => ({ status: 200, data: { total_count: 1, workflow_runs: [lastRun] } }) }
        }
      }) as unknown as ReturnType<typeof getOctokit>
    const run = toRunContext(
      {
        eventName: 'push',
        sha: after,
        payload: pushPayload({ owner: OWNER, name: NAME, before, after }),
        serverUrl: '',
        apiUrl: '',
        repo: { owner: OWNER, repo: NAME },
        runId: RUN_ID
      },
      ws,
      { GITHUB_WORKFLOW_REF: WORKFLOW_REF }
    )
    const noFiles = await detectChanges({ run, mode: 'auto', octokit: answering({ status: 'ahead' }), log: memoryLog() })
    expect(noFiles.kind === 'full' && noFiles.reason).toMatch(/listed no files/)
    const identical = await detectChanges({ run, mode: 'auto', octokit: answering({ status: 'identical', files: [] }), log: memoryLog() })
    expect(identical).toMatchObject({ kind: 'diff', changes: [] })
  })

  it('without a github-token, a push falls back to full and says why', async () => {
    const { before, after } = await multiCommitPush()
    const ws = await repo!.checkout(after, 1)
    const result = await detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), ws, { withToken: false })
    expect(result.kind === 'full' && result.reason).toMatch(/github-token is empty.*`permissions: actions: read`/)
    await expect(detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), ws, { withToken: false, mode: 'changed' })).rejects.toThrow(
      ActionError
    )
  })

  it('a new branch (before all zeros) is a full reconcile in auto and an error in changed', async () => {
    repo = await makeRepo({ 'docs/a.md': '# A\n' })
    const first = await repo.push()
    expect(first.before).toMatch(/^0{40}$/)
    const payload = pushPayload({ owner: OWNER, name: NAME, ...first })
    const result = await detect('push', payload, repo.work)
    expect(result).toEqual({ kind: 'full', reason: expect.stringMatching(/created refs\/heads\/main/) })
    const error = await detect('push', payload, repo.work, { mode: 'changed' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ActionError)
    expect((error as Error).message).toMatch(/mode is `changed`.*new branch.*mode `auto`/s)
  })

  it('a force push is a full reconcile in auto and an error in changed, even with the old head gone', async () => {
    repo = await makeRepo({ 'docs/a.md': '# A\n', 'docs/b.md': '# B\n' })
    await repo.push()
    await repo.write({ 'docs/b.md': '# B v2\n', 'docs/c.md': '# C (only in the rewritten-away commit)\n' })
    await repo.commit('to be rewritten')
    const rewritten = await repo.push()
    await git(repo.work, 'reset', '-q', '--hard', 'HEAD~1')
    await repo.write({ 'docs/d.md': '# D\n' })
    await repo.commit('new history')
    const forced = await repo.push({ force: true })
    expect(forced.before).toBe(rewritten.after)
    const ws = await repo.checkout(forced.after, 1)
    const payload = pushPayload({ owner: OWNER, name: NAME, ...forced, forced: true })
    const result = await detect('push', payload, ws)
    expect(result.kind === 'full' && result.reason).toMatch(/force push/)
    await expect(detect('push', payload, ws, { mode: 'changed' })).rejects.toThrow(/force push/)
    // Not even the full clone's tree diff is used: the decision rests on the event, not on luck.
    expect((await detect('push', payload, repo.work)).kind).toBe('full')
  })

  it('keeps unicode and space-containing names intact (git -z and the compare API)', async () => {
    repo = await makeRepo({ 'docs/plain.md': '# Plain\n', 'docs/ancien nom.md': '# Ancien\n\nUn texte assez long pour que git voie le renommage.\n' })
    const { after: base } = await repo.push()
    await repo.write({ 'docs/café menu.md': '# Café\n', 'docs/日本語/ガイド.md': '# ガイド\n', 'docs/tab\there.md': 'tab\n', 'docs/"quoted".md': 'q\n' })
    await repo.rename('docs/ancien nom.md', 'docs/nouveau nom é.md')
    await repo.commit('unicode')
    const { before, after } = await repo.push()
    expect(before).toBe(base)
    const expected: FileChange[] = byPath([
      { path: 'docs/café menu.md', status: 'added' },
      { path: 'docs/日本語/ガイド.md', status: 'added' },
      { path: 'docs/tab\there.md', status: 'added' },
      { path: 'docs/"quoted".md', status: 'added' },
      { path: 'docs/nouveau nom é.md', status: 'renamed', previousPath: 'docs/ancien nom.md' }
    ])
    const local = await detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), repo.work)
    expect(local.kind === 'diff' && byPath(local.changes)).toEqual(expected)

    const ws = await repo.checkout(after, 1)
    seedCompare(
      before,
      after,
      expected.map((c) => ({ filename: c.path, status: c.status, ...(c.previousPath ? { previous_filename: c.previousPath } : {}) }))
    )
    const viaApi = await detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), ws)
    expect(viaApi.kind === 'diff' && viaApi.source).toMatch(/compare API/)
    expect(viaApi.kind === 'diff' && byPath(viaApi.changes)).toEqual(expected)
  })

  it('mode full reconciles even when an exact diff is available', async () => {
    const { before, after } = await multiCommitPush()
    const result = await detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), repo!.work, { mode: 'full' })
    expect(result).toEqual({ kind: 'full', reason: 'mode is `full`' })
  })

  it('mode changed returns the diff when it can be trusted', async () => {
    const { before, after } = await multiCommitPush()
    const result = await detect('push', pushPayload({ owner: OWNER, name: NAME, before, after }), repo!.work, { mode: 'changed' })
    expect(result.kind === 'diff' && byPath(result.changes)).toEqual(EXPECTED_PUSH)
  })
})

describe('push after a failed or cancelled run', () => {
  /** Two pushes: the first one's run failed (or was cancelled), so the store still reflects `base`. */
  async function twoPushes() {
    repo = await makeRepo({ 'docs/a.md': '# A\n', 'docs/b.md': '# B\n', 'docs/c.md': '# C\n' })
    const { after: base } = await repo.push()
    await repo.write({ 'docs/a.md': '# A v2\n', 'docs/new.md': '# New\n' })
    await repo.remove('docs/c.md')
    await repo.commit('push 1')
    const first = await repo.push()
    await repo.write({ 'docs/b.md': '# B v2\n' })
    await repo.commit('push 2')
    const second = await repo.push()
    return { base, first, second }
  }
  const BOTH_PUSHES: FileChange[] = [
    { path: 'docs/a.md', status: 'modified' },
    { path: 'docs/b.md', status: 'modified' },
    { path: 'docs/c.md', status: 'removed' },
    { path: 'docs/new.md', status: 'added' }
  ]

  it("diffs from the last commit a successful run synced, so the failed push's changes come along", async () => {
    const { base, first, second } = await twoPushes()
    seedRun(base, { id: 100 })
    seedRun(first.after, { id: 101, conclusion: 'failure' })
    const log = memoryLog()
    const result = await detect('push', pushPayload({ owner: OWNER, name: NAME, ...second }), repo!.work, { lastSynced: null, log })
    expect(result).toMatchObject({ kind: 'diff', source: `push ${base.slice(0, 7)}..${second.after.slice(0, 7)} (git, from the last synced commit)` })
    expect(byPath((result as any).changes)).toEqual(BOTH_PUSHES)
    expect(log.lines.join('\n')).toContain(
      `The run for ${first.after.slice(0, 7)} did not succeed; syncing from ${base.slice(0, 7)}, the last commit a successful run synced`
    )
    const lookups = apiCalls('/actions/')
    expect(lookups.map((r) => r.path)).toEqual([
      `/github/repos/${OWNER}/${NAME}/actions/workflows/knowledge-sync.yml/runs?branch=main&event=push&status=success&per_page=20`,
      // and whether a full sync failed since: none did
      `/github/repos/${OWNER}/${NAME}/actions/workflows/knowledge-sync.yml/runs?branch=main&status=completed&per_page=20`
    ])
  })

  it('uses the compare API from that commit in a shallow clone, and a cancelled run counts as not synced', async () => {
    const { base, first, second } = await twoPushes()
    seedRun(base, { id: 100 })
    seedRun(first.after, { id: 101, conclusion: 'cancelled' })
    const ws = await repo!.checkout(second.after, 1)
    seedCompare(
      base,
      second.after,
      BOTH_PUSHES.map((c) => ({ filename: c.path, status: c.status }))
    )
    const result = await detect('push', pushPayload({ owner: OWNER, name: NAME, ...second }), ws, { lastSynced: null })
    expect(result).toMatchObject({ kind: 'diff', source: `push ${base.slice(0, 7)}..${second.after.slice(0, 7)} (compare API, from the last synced commit)` })
    expect(byPath((result as any).changes)).toEqual(BOTH_PUSHES)
    expect(apiCalls(`/compare/${base}...${second.after}`)).toHaveLength(1)
  })

  it('finds the workflow from this run when GITHUB_WORKFLOW_REF is missing; ignores other workflows and its own run', async () => {
    const { base, first, second } = await twoPushes()
    seedRun(base, { id: 100 })
    seedRun(second.after, { id: RUN_ID, conclusion: 'success' })
    seedRun(first.after, { id: 102, workflow: 'other.yml' })
    const result = await detect('push', pushPayload({ owner: OWNER, name: NAME, ...second }), repo!.work, { lastSynced: null, workflowRef: undefined })
    expect(result.kind === 'diff' && result.source).toMatch(new RegExp(`^push ${base.slice(0, 7)}\\.\\.`))
    // This run's record names its workflow by id; the listing then asks for that id.
    expect(apiCalls('/actions/').map((r) => r.path.split('?')[0])).toEqual([
      `/github/repos/${OWNER}/${NAME}/actions/runs/${RUN_ID}`,
      expect.stringMatching(new RegExp(`^/github/repos/${OWNER}/${NAME}/actions/workflows/\\d+/runs$`)),
      expect.stringMatching(new RegExp(`^/github/repos/${OWNER}/${NAME}/actions/workflows/\\d+/runs$`))
    ])
  })

  it('reconciles everything after a manual full sync failed since the last successful push run, until one succeeds', async () => {
    // The failed full sync may have uploaded a new copy of a doc and not yet deleted the old one:
    // a doc no push diff covers, so only a full reconcile repairs it (convergence seed telzino 10).
    const { first, second } = await twoPushes()
    seedRun(first.after, { id: 100, created_at: '2026-11-01T10:00:00Z' })
    seedRun(first.after, { id: 101, event: 'workflow_dispatch', conclusion: 'failure', created_at: '2026-11-01T11:00:00Z' })
    seedRun(first.after, { id: 102, event: 'workflow_dispatch', conclusion: 'skipped', created_at: '2026-11-01T11:30:00Z' })
    const payload = pushPayload({ owner: OWNER, name: NAME, ...second })
    const failed = await detect('push', payload, repo!.work, { lastSynced: null })
    expect(failed).toMatchObject({ kind: 'full' })
    expect(failed.kind === 'full' && failed.reason).toMatch(
      /run 101 \(workflow_dispatch\), a full sync of main after the last successful push run, ended failure/
    )

    seedRun(first.after, { id: 103, event: 'schedule', conclusion: 'success', created_at: '2026-11-01T12:00:00Z' })
    const repaired = await detect('push', payload, repo!.work, { lastSynced: null })
    expect(repaired).toMatchObject({ kind: 'diff', changes: [{ path: 'docs/b.md', status: 'modified' }] })
  })

  it('has nothing to do when a successful run already synced this very commit', async () => {
    const { second } = await twoPushes()
    seedRun(second.after, { id: 103 })
    const result = await detect('push', pushPayload({ owner: OWNER, name: NAME, ...second }), repo!.work, { lastSynced: null })
    expect(result).toMatchObject({ kind: 'diff', changes: [] })
    expect(result.kind === 'diff' && result.source).toMatch(/run 103 already synced/)
  })

  it("has nothing to do on a re-run of an older push's run once a later push's run succeeded", async () => {
    const { base, first, second } = await twoPushes()
    seedRun(base, { id: 100 })
    seedRun(second.after, { id: 102 })
    const older = pushPayload({ owner: OWNER, name: NAME, before: base, after: first.after })
    // Both commits in the clone: git tells that the synced commit descends from this one.
    const local = await detect('push', older, repo!.work, { lastSynced: null, runId: 101 })
    expect(local).toMatchObject({ kind: 'diff', changes: [] })
    expect(local.kind === 'diff' && local.source).toMatch(/run 102 already synced the later/)
    // A shallow clone: the compare API says the same (status `behind`).
    const ws = await repo!.checkout(first.after, 1)
    seedCompare(second.after, first.after, [], 'behind')
    const viaApi = await detect('push', older, ws, { lastSynced: null, runId: 101 })
    expect(viaApi).toMatchObject({ kind: 'diff', changes: [] })
    expect(apiCalls(`/compare/${second.after}...${first.after}`)).toHaveLength(1)
  })

  it('reconciles everything when no run has succeeded yet, or the synced commit is not an ancestor', async () => {
    const { first, second } = await twoPushes()
    seedRun(first.after, { id: 101, conclusion: 'failure' })
    const none = await detect('push', pushPayload({ owner: OWNER, name: NAME, ...second }), repo!.work, { lastSynced: null })
    expect(none.kind === 'full' && none.reason).toMatch(/no run of this workflow on main has succeeded yet/)
    await expect(detect('push', pushPayload({ owner: OWNER, name: NAME, ...second }), repo!.work, { lastSynced: null, mode: 'changed' })).rejects.toThrow(
      /has succeeded yet/
    )

    // A commit only on another line of history (rewritten away, or from a re-run of a later push).
    await git(repo!.work, 'checkout', '-q', '-b', 'side', first.before)
    await repo!.write({ 'docs/side.md': 'side\n' })
    const side = await repo!.commit('side')
    seedRun(side, { id: 104 })
    const diverged = await detect('push', pushPayload({ owner: OWNER, name: NAME, ...second }), repo!.work, { lastSynced: null })
    expect(diverged.kind === 'full' && diverged.reason).toMatch(/is not an ancestor of/)
  })

  it('reconciles everything, naming `actions: read`, when the Actions API cannot be asked', async () => {
    const { second } = await twoPushes()
    const payload = pushPayload({ owner: OWNER, name: NAME, ...second })
    emu.vendor('github').seed({ tokens: { [TOKEN]: { login: 'github-actions[bot]', type: 'Bot', permissions: { actions: 'none' } } } })
    const refused = await detect('push', payload, repo!.work)
    expect(refused.kind === 'full' && refused.reason).toMatch(/HTTP 403.*`permissions: actions: read`/)
    emu.vendor('github').seed({ tokens: { [TOKEN]: { login: 'github-actions[bot]', type: 'Bot' } } })

    const unknownRun = await detect('push', payload, repo!.work, { workflowRef: undefined })
    expect(unknownRun.kind === 'full' && unknownRun.reason).toMatch(/HTTP 404.*`permissions: actions: read`/)
    const noRunId = await detect('push', payload, repo!.work, { runId: undefined })
    expect(noRunId.kind === 'full' && noRunId.reason).toMatch(/GITHUB_RUN_ID is not set.*`permissions: actions: read`/)
    emu.faults.add({ kind: 'reset', route: 'GET /github/repos/:owner/:repo/actions/workflows/:workflow_id/runs', times: 5 })
    const dropped = await detect('push', payload, repo!.work)
    expect(dropped.kind === 'full' && dropped.reason).toMatch(/Actions API failed.*`permissions: actions: read`/)
    await expect(detect('push', payload, repo!.work, { mode: 'changed', withToken: false })).rejects.toThrow(/mode is `changed`.*github-token is empty/s)
  })
})

describe('pull requests', () => {
  const HEAD = 'a'.repeat(40)
  const BASE = 'b'.repeat(40)
  const files = (n: number) => Array.from({ length: n }, (_, i) => ({ filename: `docs/p${i}.md`, status: 'modified' }))
  const seedPull = (number: number, prFiles: Array<{ filename: string; status: string; previous_filename?: string }>) =>
    emu.vendor('github').seed({ repo: `${OWNER}/${NAME}`, pulls: [{ number, head: { sha: HEAD }, base: { sha: BASE }, files: prFiles }] })
  const prPayload = (number: number, changedFiles?: number) => {
    const p = pullRequestPayload({ owner: OWNER, name: NAME, number, headSha: HEAD, baseSha: BASE, changedFiles })
    if (changedFiles === undefined) delete p.pull_request.changed_files
    return p
  }

  beforeEach(async () => {
    repo = await makeRepo({ 'docs/a.md': '# A\n' })
  })

  it('lists the PR files through the API and maps GitHub statuses', async () => {
    seedPull(12, [
      { filename: 'docs/new.md', status: 'added' },
      { filename: 'docs/edited.md', status: 'modified' },
      { filename: 'docs/chmod.md', status: 'changed' },
      { filename: 'docs/moved here.md', status: 'renamed', previous_filename: 'docs/moved.md' },
      { filename: 'docs/gone.md', status: 'removed' },
      { filename: 'docs/copy.md', status: 'copied' }
    ])
    const result = await detect('pull_request', prPayload(12, 6), repo!.work)
    expect(result).toMatchObject({ kind: 'diff', source: 'pull request #12 (6 files)' })
    expect(byPath((result as any).changes)).toEqual(
      byPath([
        { path: 'docs/new.md', status: 'added' },
        { path: 'docs/edited.md', status: 'modified' },
        { path: 'docs/chmod.md', status: 'modified' },
        { path: 'docs/moved here.md', status: 'renamed', previousPath: 'docs/moved.md' },
        { path: 'docs/gone.md', status: 'removed' },
        { path: 'docs/copy.md', status: 'added' }
      ])
    )
  })

  it('pages through 3,000 files (100 a page) and keeps them when the PR has exactly 3,000', async () => {
    seedPull(13, files(3000))
    const result = await detect('pull_request', prPayload(13), repo!.work)
    expect(result.kind === 'diff' && result.changes.length).toBe(3000)
    expect(apiCalls('/pulls/13/files')).toHaveLength(30)
    expect(apiCalls('/pulls/13/files').every((r) => r.path.includes('per_page=100'))).toBe(true)
    // At exactly the cap, the PR's own count decides whether the list is whole.
    expect(apiCalls('/pulls/13').filter((r) => !r.path.includes('/files'))).toHaveLength(1)
  })

  it('falls back to full beyond 3,000 files, and skips the listing when the payload already says so', async () => {
    seedPull(14, files(3001))
    const listed = await detect('pull_request', prPayload(14), repo!.work)
    expect(listed.kind === 'full' && listed.reason).toMatch(/#14 changes 3001 files; GitHub lists at most 3000/)
    emu.requests.length = 0
    const declared = await detect('pull_request', prPayload(14, 3001), repo!.work)
    expect(declared.kind).toBe('full')
    expect(apiCalls('/pulls/14')).toHaveLength(0)
    await expect(detect('pull_request', prPayload(14, 3001), repo!.work, { mode: 'changed' })).rejects.toThrow(/at most 3000/)
  })

  it('works for pull_request_target, pull_request_review and pull_request_review_comment', async () => {
    seedPull(15, [{ filename: 'docs/x.md', status: 'modified' }])
    const review = pullRequestReviewPayload({ owner: OWNER, name: NAME, number: 15, headSha: HEAD, baseSha: BASE, reviewBody: '/ask' })
    for (const event of ['pull_request_target', 'pull_request_review', 'pull_request_review_comment']) {
      const payload = event === 'pull_request_target' ? prPayload(15, 1) : review
      const result = await detect(event, payload, repo!.work)
      expect(result, event).toEqual({ kind: 'diff', changes: [{ path: 'docs/x.md', status: 'modified' }], source: 'pull request #15 (1 file)' })
    }
  })

  it('falls back to full when the API refuses, naming the permission; changed mode fails', async () => {
    emu.vendor('github').seed({ tokens: { [TOKEN]: { login: 'github-actions[bot]', type: 'Bot', permissions: { pull_requests: 'none' } } } })
    seedPull(16, files(2))
    const result = await detect('pull_request', prPayload(16, 2), repo!.work)
    expect(result.kind === 'full' && result.reason).toMatch(/HTTP 403.*pull-requests: read/)
    const noToken = await detect('pull_request', prPayload(16, 2), repo!.work, { withToken: false })
    expect(noToken.kind === 'full' && noToken.reason).toMatch(/github-token is empty/)
    await expect(detect('pull_request', prPayload(16, 2), repo!.work, { mode: 'changed' })).rejects.toThrow(ActionError)
  })
})

describe('other events', () => {
  beforeEach(async () => {
    repo = await makeRepo({ 'docs/a.md': '# A\n' })
  })

  it('workflow_dispatch and schedule reconcile everything, naming the event', async () => {
    const dispatch = await detect('workflow_dispatch', workflowDispatchPayload({ owner: OWNER, name: NAME }), repo!.work)
    expect(dispatch).toEqual({ kind: 'full', reason: 'workflow_dispatch events carry no list of changed files' })
    const schedule = await detect('schedule', { schedule: '0 3 * * *' }, repo!.work)
    expect(schedule.kind === 'full' && schedule.reason).toMatch(/^schedule /)
    const release = await detect('release', examplePayload('release', 'published'), repo!.work)
    expect(release.kind === 'full' && release.reason).toMatch(/^release /)
    expect(emu.requests).toHaveLength(0)
  })

  it('mode changed fails on events without a diff, suggesting auto or full', async () => {
    const error = await detect('workflow_dispatch', workflowDispatchPayload({ owner: OWNER, name: NAME }), repo!.work, { mode: 'changed' }).catch(
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(ActionError)
    expect((error as ActionError).hint).toMatch(/mode `auto`.*mode `full`/)
  })
})

describe('parseNameStatus', () => {
  it('reads -z output with renames, copies, type changes and empty trailing fields', () => {
    const raw = ['M', 'a b.md', 'R087', 'old.md', 'new.md', 'C100', 'src.md', 'copy.md', 'T', 'link.md', 'D', 'gone.md', 'A', 'é.md', ''].join('\0')
    expect(parseNameStatus(raw)).toEqual([
      { path: 'a b.md', status: 'modified' },
      { path: 'new.md', status: 'renamed', previousPath: 'old.md' },
      { path: 'copy.md', status: 'added' },
      { path: 'link.md', status: 'modified' },
      { path: 'gone.md', status: 'removed' },
      { path: 'é.md', status: 'added' }
    ])
  })
})
