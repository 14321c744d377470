/**
 * Workflow runs as GitHub records them, in the GitHub emulator: a push's run asks the Actions API
 * for the last successful run of its workflow, and diffs from that run's commit.
 */
import type { GithubEmulator } from '../../emulator/vendors/github/index.ts'
import { runAction, type RunOptions, type RunResult } from './run-action.ts'

type Github = Pick<GithubEmulator, 'seed'>

let nextRunId = 1000

/** A successful push run of the workflow for `headSha`, as an earlier push's run that synced it leaves behind. */
export function recordSuccess(github: Github, repository: string, headSha: string): void {
  github.seed({ repo: repository, workflowRuns: [{ id: nextRunId++, head_sha: headSha, conclusion: 'success' }] })
}

/**
 * Runs the action as the runner would (its own GITHUB_RUN_ID), then records the run for
 * `headSha` as GitHub does: successful when the action exited 0, failed otherwise.
 */
export async function runRecorded(github: Github, opts: RunOptions & { headSha: string }): Promise<RunResult> {
  const runId = nextRunId++
  const r = await runAction({ ...opts, runId: String(runId) })
  const repository = opts.repository ?? (opts.payload as { repository?: { full_name?: string } }).repository?.full_name ?? 'octo/docs'
  github.seed({
    repo: repository,
    workflowRuns: [{ id: runId, head_sha: opts.headSha, event: opts.eventName, conclusion: r.code === 0 ? 'success' : 'failure' }]
  })
  return r
}
