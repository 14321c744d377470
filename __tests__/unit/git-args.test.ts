/**
 * Every git call gets file names after `--` (or only reads them from git's own -z output), so a
 * name with a leading dash is never parsed as an option: `--output=pwned.md` would otherwise make
 * `git diff` write a file.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { docsDiff } from '../../src/agent/diff.js'
import { detectChanges } from '../../src/changes/detect.js'
import { toRunContext } from '../../src/context.js'
import { memoryLog } from '../../src/log.js'
import { makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { pushPayload } from '../helpers/payloads.js'

const DASHED = ['--output=pwned.md', '-n.md', 'docs/--stat.md']
let repo: TestRepo
let base: string
let head: string
beforeAll(async () => {
  repo = await makeRepo(Object.fromEntries(DASHED.map((p) => [p, 'v1\n'])))
  base = await repo.head()
  await repo.write(Object.fromEntries(DASHED.map((p) => [p, 'v2\n'])))
  head = await repo.commit()
})
afterAll(() => repo.cleanup())

describe('git calls and names with a leading dash', () => {
  it('the push diff lists them as changed files', async () => {
    const payload = pushPayload({ owner: 'octo', name: 'docs', before: base, after: head })
    const run = toRunContext(
      {
        eventName: 'push',
        payload,
        sha: head,
        repo: { owner: 'octo', repo: 'docs' },
        serverUrl: 'https://github.com',
        apiUrl: 'https://api.github.com',
        runId: 2
      },
      repo.work,
      { GITHUB_WORKFLOW_REF: 'octo/docs/.github/workflows/knowledge-sync.yml@refs/heads/main' }
    )
    // The Actions API says the previous push's run synced `base`, so the diff is base..head, from local git.
    const lastRun = { id: 1, head_sha: base, conclusion: 'success', created_at: '2026-01-01T00:00:00Z' }
    const octokit = {
      rest: { actions: { listWorkflowRuns: async () => ({ status: 200, data: { total_count: 1, workflow_runs: [lastRun] } }) } }
    } as unknown as Parameters<typeof detectChanges>[0]['octokit']
    const changes = await detectChanges({ run, mode: 'changed', octokit, log: memoryLog() })
    expect(changes.kind === 'diff' && changes.changes.map((c) => c.path).sort()).toEqual([...DASHED].sort())
    expect(existsSync(join(repo.work, 'pwned.md'))).toBe(false)
  })

  it("the agent's docs diff passes them as paths, not options", async () => {
    const diff = await docsDiff(repo.work, base, head, DASHED)
    expect(diff.available).toBe(true)
    for (const p of DASHED) expect(diff.text).toContain(`+++ b/${p}`)
    expect(existsSync(join(repo.work, 'pwned.md'))).toBe(false)
  })
})
