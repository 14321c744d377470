/**
 * A workspace with no checkout, or a checkout of another repository, must stop the run before
 * anything is read or written: its docs would all read as deleted.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toRunContext } from '../../src/context.js'
import { ActionError } from '../../src/errors.js'
import { memoryLog } from '../../src/log.js'
import { runSync } from '../../src/run-sync.js'
import { TokenCache } from '../../src/tokens.js'
import { checkWorkspace, repositoryOf } from '../../src/workspace.js'
import { settingsFrom } from '../helpers/fixtures.js'
import { git, makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { MemoryStore } from '../helpers/memory-store.js'
import { workflowDispatchPayload } from '../helpers/payloads.js'

let repo: TestRepo
let empty: string
beforeAll(async () => {
  repo = await makeRepo({ 'docs/a.md': 'A' })
  await repo.push()
  empty = await mkdtemp(join(tmpdir(), 'ks-empty-ws-'))
})
afterAll(async () => {
  await repo.cleanup()
  await rm(empty, { recursive: true, force: true })
})

function runIn(workspace: string, opts: { repository?: string; sha?: string } = {}) {
  const [owner, name] = (opts.repository ?? 'octo/docs').split('/') as [string, string]
  return toRunContext(
    {
      eventName: 'workflow_dispatch',
      sha: opts.sha ?? 'f'.repeat(40),
      payload: workflowDispatchPayload({ owner, name }),
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      repo: { owner, repo: name }
    },
    workspace
  )
}

async function failure(promise: Promise<unknown>): Promise<ActionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ActionError)
  return error as ActionError
}

describe('repositoryOf', () => {
  it('reads owner/name from https, ssh, scp-like and local remotes, never keeping a credential', () => {
    expect(repositoryOf('https://github.com/octo/docs')).toBe('octo/docs')
    expect(repositoryOf('https://x-access-token:ghs_secret@github.com/octo/docs.git')).toBe('octo/docs')
    expect(repositoryOf('ssh://git@ghe.example.com:2222/team/handbook.git/')).toBe('team/handbook')
    expect(repositoryOf('git@github.com:octo/docs.git')).toBe('octo/docs')
    expect(repositoryOf('/srv/git/octo/docs.git')).toBe('octo/docs')
    expect(repositoryOf('docs')).toBeUndefined()
  })
})

describe('checkWorkspace', () => {
  it('fails on a workspace without .git, naming actions/checkout and why a subfolder checkout is not supported', async () => {
    const error = await failure(checkWorkspace(runIn(empty), memoryLog()))
    expect(error.message).toMatch(/is not a git checkout/)
    expect(error.hint).toMatch(/actions\/checkout/)
    expect(error.hint).toMatch(/subfolder.*`paths`.*not supported/s)
    await failure(checkWorkspace(runIn(join(empty, 'does-not-exist')), memoryLog()))
  })

  it('accepts a checkout of the repository the event names, whatever commit it holds', async () => {
    const ws = await repo.checkout()
    await git(ws, 'remote', 'set-url', 'origin', 'https://github.com/Octo/Docs.git')
    await expect(checkWorkspace(runIn(ws), memoryLog())).resolves.toBeUndefined()
  })

  it("fails on a clone of another repository that lacks the event's commit, naming both", async () => {
    const ws = await repo.checkout()
    await git(ws, 'remote', 'set-url', 'origin', 'https://github.com/octo/other-repo')
    const error = await failure(checkWorkspace(runIn(ws), memoryLog()))
    expect(error.message).toMatch(/clone of octo\/other-repo, not of octo\/docs/)
    expect(error.hint).toMatch(/actions\/checkout/)
    // The same clone holding the commit (a mirror, a fork checked out on purpose) is fine.
    await expect(checkWorkspace(runIn(ws, { sha: await git(ws, 'rev-parse', 'HEAD') }), memoryLog())).resolves.toBeUndefined()
  })

  it('only warns when there is no origin remote and the commit is missing', async () => {
    const ws = await repo.checkout()
    await git(ws, 'remote', 'remove', 'origin')
    const log = memoryLog()
    await checkWorkspace(runIn(ws), log)
    expect(log.lines.join('\n')).toMatch(/warning: The workspace has no `origin` remote/)
  })
})

describe('runSync in an empty workspace', () => {
  it('deletes nothing and calls no vendor: the run fails first', async () => {
    const store = new MemoryStore()
    store.seed({ 'docs/a.md': 'A', 'docs/b.md': 'B' })
    const settings = settingsFrom({ vendor: 'staffify', 'api-key': 'k', 'knowledge-base': 'kb' })
    const error = await failure(
      runSync(settings, runIn(empty), { log: memoryLog(), octokit: undefined, group: (_n, fn) => fn(), vendor: store.factory, tokenCache: new TokenCache() })
    )
    expect(error.hint).toMatch(/actions\/checkout/)
    expect(store.calls).toEqual([])
    expect(store.contents()).toEqual({ 'docs/a.md': 'A', 'docs/b.md': 'B' })
  })
})
