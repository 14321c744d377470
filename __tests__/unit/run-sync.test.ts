/**
 * runSync in-process on a real git repository, with the in-memory store in place of a vendor:
 * the whole sync (change detection, collecting, planning, executing) without the bundle or the
 * emulator.
 */
import type { getOctokit } from '@actions/github'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toRunContext } from '../../src/context.js'
import { memoryLog } from '../../src/log.js'
import type { SyncReport } from '../../src/plan.js'
import { runSync } from '../../src/run-sync.js'
import { TokenCache } from '../../src/tokens.js'
import { settingsFrom } from '../helpers/fixtures.js'
import { makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { MemoryStore } from '../helpers/memory-store.js'
import { pushPayload, workflowDispatchPayload } from '../helpers/payloads.js'

type Octokit = ReturnType<typeof getOctokit>

const OWNER = 'octo'
const NAME = 'docs'
const FILES = { 'docs/a.md': 'A v1', 'docs/b.md': 'B v1', 'docs/c.md': 'C v1', 'docs/old-name.md': 'moves, unchanged', 'README.md': 'not a doc' }

let repo: TestRepo
beforeAll(async () => {
  repo = await makeRepo(FILES)
  await repo.push()
})
afterAll(() => repo.cleanup())

const inputs = { vendor: 'staffify', 'api-key': 'unused-by-the-memory-store', 'knowledge-base': 'docs', paths: 'docs/**/*.md' }

async function syncOnDispatch(store: MemoryStore, extra: Record<string, string> = {}) {
  const event = 'workflow_dispatch'
  const workspace = await repo.checkout()
  const run = toRunContext(
    {
      eventName: event,
      sha: await repo.head(),
      payload: workflowDispatchPayload({ owner: OWNER, name: NAME }),
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      repo: { owner: OWNER, repo: NAME }
    },
    workspace
  )
  return sync(store, event, run, extra)
}

/**
 * The Actions API as it answers when the previous push's run succeeded: its last successful run
 * synced `before`, so the push's own diff is exact.
 */
function previousRunSucceeded(before: string): Octokit {
  const run = { id: 1, head_sha: before, conclusion: 'success', created_at: '2026-01-01T00:00:00Z' }
  return { rest: { actions: { listWorkflowRuns: async () => ({ status: 200, data: { total_count: 1, workflow_runs: [run] } }) } } } as unknown as Octokit
}

/** Commits what `change` does, pushes, and syncs that push as the runner would (fetch-depth 2). */
async function syncPush(store: MemoryStore, change: () => Promise<void>, extra: Record<string, string> = {}) {
  await change()
  await repo.commit()
  const { before, after } = await repo.push()
  const workspace = await repo.checkout(after, 2)
  const event = 'push'
  const run = toRunContext(
    {
      eventName: event,
      sha: after,
      payload: pushPayload({ owner: OWNER, name: NAME, before, after }),
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      repo: { owner: OWNER, repo: NAME },
      runId: 2
    },
    workspace,
    { GITHUB_WORKFLOW_REF: `${OWNER}/${NAME}/.github/workflows/knowledge-sync.yml@refs/heads/main` }
  )
  return sync(store, event, run, extra, previousRunSucceeded(before))
}

async function sync(store: MemoryStore, event: string, run: ReturnType<typeof toRunContext>, extra: Record<string, string>, octokit?: Octokit) {
  const log = memoryLog()
  const result = await runSync(settingsFrom({ ...inputs, ...extra }, event), run, {
    log,
    octokit,
    group: (_name, fn) => fn(),
    vendor: store.factory,
    tokenCache: new TokenCache()
  })
  return { ...result, log: log.lines.join('\n') }
}

const outcomes = (report: SyncReport) => report.items.map((i) => `${i.path}: ${i.action} → ${i.outcome} (${i.reason})`)

/** A store that already holds every doc of the repository's current main, as a full sync leaves it. */
async function syncedStore(): Promise<MemoryStore> {
  const store = new MemoryStore()
  await syncOnDispatch(store)
  store.calls.length = 0
  return store
}

describe('runSync with an in-memory store', () => {
  it('full sync: uploads every doc matching `paths`, leaves hand-added docs alone, and a second run writes nothing', async () => {
    const store = new MemoryStore()
    store.seed({ 'docs/by-hand.md': 'a person wrote this' }, { owned: false })

    const first = await syncOnDispatch(store)
    expect(first.report.scope).toBe('full')
    expect(first.report.errors).toEqual([])
    expect(outcomes(first.report)).toEqual([
      'docs/a.md: upload → uploaded (new in the store)',
      'docs/b.md: upload → uploaded (new in the store)',
      'docs/c.md: upload → uploaded (new in the store)',
      'docs/old-name.md: upload → uploaded (new in the store)'
    ])
    expect(store.contents()).toEqual({
      'docs/a.md': 'A v1',
      'docs/b.md': 'B v1',
      'docs/by-hand.md': 'a person wrote this',
      'docs/c.md': 'C v1',
      'docs/old-name.md': 'moves, unchanged'
    })
    expect(first.changedDocPaths).toEqual(['docs/a.md', 'docs/b.md', 'docs/c.md', 'docs/old-name.md'])

    store.calls.length = 0
    const second = await syncOnDispatch(store)
    expect(second.report.items.every((i) => i.outcome === 'unchanged')).toBe(true)
    expect(store.writes()).toEqual([])
  })

  it('a dry run plans every write and makes none', async () => {
    const store = new MemoryStore()
    const { report } = await syncOnDispatch(store, { 'dry-run': 'true' })
    expect(report.dryRun).toBe(true)
    expect(report.items.map((i) => `${i.path}: ${i.outcome}`)).toEqual([
      'docs/a.md: planned',
      'docs/b.md: planned',
      'docs/c.md: planned',
      'docs/old-name.md: planned'
    ])
    expect(store.writes()).toEqual([])
    expect(store.contents()).toEqual({})
  })

  it('a push with an add, a modify, a rename and a delete changes exactly those docs, uploads before deletions', async () => {
    const store = await syncedStore()
    const { report, changedDocPaths, log } = await syncPush(store, async () => {
      await repo.write({ 'docs/new.md': 'brand new', 'docs/a.md': 'A v2' })
      await repo.rename('docs/old-name.md', 'docs/new-name.md')
      await repo.remove('docs/c.md')
    })
    expect(report.scope).toBe('diff')
    expect(report.scopeReason).toMatch(/^push [0-9a-f]+\.\.[0-9a-f]+ \(git\)$/)
    expect(outcomes(report)).toEqual([
      'docs/a.md: replace → replaced (content changed)',
      'docs/c.md: delete → deleted (deleted from the repository)',
      'docs/new-name.md: upload → uploaded (new in the store (renamed from docs/old-name.md))',
      'docs/new.md: upload → uploaded (new in the store)',
      'docs/old-name.md: delete → deleted (renamed to docs/new-name.md)'
    ])
    expect(changedDocPaths).toEqual(['docs/a.md', 'docs/c.md', 'docs/new-name.md', 'docs/new.md', 'docs/old-name.md'])
    expect(store.contents()).toEqual({ 'docs/a.md': 'A v2', 'docs/b.md': 'B v1', 'docs/new-name.md': 'moves, unchanged', 'docs/new.md': 'brand new' })
    const writes = store.writes()
    expect(writes.slice(0, 3).sort()).toEqual(['upload docs/a.md', 'upload docs/new-name.md', 'upload docs/new.md'])
    expect(writes.slice(3).sort()).toEqual(['remove docs/c.md', 'remove docs/old-name.md'])
    expect(log).toContain('4 files changed; 5 paths among them (old and new names of renames) match docs/**/*.md')
  })

  it('deletes nothing when a push would delete more than max-deletions, and says why', async () => {
    const store = await syncedStore()
    const before = store.contents()
    const { report } = await syncPush(store, () => repo.remove('docs/a.md', 'docs/b.md'), { 'max-deletions': '1' })
    expect(report.errors).toEqual([expect.stringMatching(/^2 remote docs would be deleted, more than max-deletions \(1\); nothing was deleted\./)])
    expect(outcomes(report)).toEqual(['docs/a.md: delete → failed (deleted from the repository)', 'docs/b.md: delete → failed (deleted from the repository)'])
    expect(report.items.map((i) => i.detail)).toEqual(['not deleted: max-deletions (1) exceeded', 'not deleted: max-deletions (1) exceeded'])
    expect(store.writes()).toEqual([])
    expect(store.contents()).toEqual(before)
  })
})
