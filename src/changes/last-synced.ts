/**
 * Which commit the store reflects before a push's run: the commit of this workflow's last
 * successful push run on the branch, from the Actions API. A push whose run failed or was
 * cancelled left its changes out of the store; diffing from that commit, not from the event's
 * `before`, brings them in with the next successful run.
 */
import type { getOctokit } from '@actions/github'
import type { RunContext } from '../context.js'
import { errorMessage } from '../errors.js'
import type { Log } from '../log.js'

/** GitHub keeps a run's own entry in the list while it runs: 20 covers it and a few more of ours. */
const RUNS_PER_PAGE = 20

export type LastSynced =
  /** The head commit of the newest other successful push run of this workflow on the branch. */
  | { kind: 'found'; sha: string; runId: number }
  /**
   * A full sync of this workflow (a manual or scheduled run) on the branch ended unsuccessfully
   * after that push run, and no later full sync succeeded: it may have changed docs no push diff
   * covers (a new copy uploaded, the old one not yet deleted), so only a full reconcile repairs it.
   */
  | { kind: 'full-sync-failed'; runId: number; event: string; conclusion: string }
  /** No run of this workflow on the branch has succeeded yet. */
  | { kind: 'none' }
  /** The Actions API could not be asked or did not answer; `reason` says why and what to grant. */
  | { kind: 'unknown'; reason: string }

export interface LastSyncedInput {
  run: RunContext
  octokit: ReturnType<typeof getOctokit> | undefined
  /** The branch (or tag) the push updated, without `refs/heads/`. */
  branch: string
  log: Log
}

export async function lastSyncedCommit({ run, octokit, branch, log }: LastSyncedInput): Promise<LastSynced> {
  if (!octokit) return { kind: 'unknown', reason: 'github-token is empty, so the Actions API cannot be asked' }
  if (run.runId === undefined) return { kind: 'unknown', reason: 'GITHUB_RUN_ID is not set, so this run cannot be told apart from earlier ones' }
  const { owner, repo } = run
  try {
    const workflowId = workflowFile(run.workflowRef) ?? (await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: run.runId })).data.workflow_id
    const { data } = await octokit.rest.actions.listWorkflowRuns({
      owner,
      repo,
      workflow_id: workflowId,
      branch,
      event: 'push',
      status: 'success',
      per_page: RUNS_PER_PAGE
    })
    const runs = data.workflow_runs
      .filter((r) => r.id !== run.runId && r.conclusion === 'success')
      .sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '') || b.id - a.id)
    const newest = runs[0]
    if (!newest) return { kind: 'none' }
    log.debug(`Last successful run of this workflow on ${branch}: ${newest.id} at ${newest.head_sha}`)
    const failed = await failedFullSyncSince(octokit, { owner, repo, workflowId, branch, ownRunId: run.runId, since: newest }, log)
    if (failed) return { kind: 'full-sync-failed', runId: failed.id, event: failed.event, conclusion: failed.conclusion ?? 'unknown' }
    return { kind: 'found', sha: newest.head_sha, runId: newest.id }
  } catch (error) {
    const status = (error as { status?: unknown } | null)?.status
    log.debug(`Looking up the last successful run failed: ${errorMessage(error)}`)
    if (status === 401 || status === 403)
      return { kind: 'unknown', reason: `the Actions API refused the token (HTTP ${status}): the job needs \`permissions: actions: read\`` }
    if (status === 404)
      return { kind: 'unknown', reason: 'the Actions API does not know this workflow run (HTTP 404): the job needs `permissions: actions: read`' }
    return { kind: 'unknown', reason: `the Actions API failed (${typeof status === 'number' ? `HTTP ${status}` : errorMessage(error)})` }
  }
}

interface RunRef {
  id: number
  event: string
  conclusion?: string | null
  created_at?: string
}

/** Events whose runs reconcile the whole store rather than a diff. */
const FULL_SYNC_EVENTS = new Set(['workflow_dispatch', 'schedule', 'repository_dispatch'])

/** Conclusions of runs whose job never ran the action (a job-level `if:` skipped it). */
const NOT_RUN = new Set(['skipped', 'neutral'])

const newerThan = (a: RunRef, b: RunRef) => (a.created_at ?? '').localeCompare(b.created_at ?? '') > 0 || (a.created_at === b.created_at && a.id > b.id)

/**
 * The newest full-sync run after `since` that did not succeed, unless a full sync after it did.
 * Its evidence only adds reconciles: when the listing fails, the push diff stands as before.
 */
async function failedFullSyncSince(
  octokit: NonNullable<LastSyncedInput['octokit']>,
  q: { owner: string; repo: string; workflowId: string | number; branch: string; ownRunId: number; since: RunRef },
  log: Log
): Promise<RunRef | undefined> {
  let runs: RunRef[]
  try {
    const { data } = await octokit.rest.actions.listWorkflowRuns({
      owner: q.owner,
      repo: q.repo,
      workflow_id: q.workflowId,
      branch: q.branch,
      status: 'completed',
      per_page: RUNS_PER_PAGE
    })
    runs = data.workflow_runs
  } catch (error) {
    log.debug(`Listing this workflow's completed runs failed: ${errorMessage(error)}`)
    return undefined
  }
  const fullSyncs = runs
    .filter((r) => r.id !== q.ownRunId && FULL_SYNC_EVENTS.has(r.event) && !NOT_RUN.has(r.conclusion ?? '') && newerThan(r, q.since))
    .sort((a, b) => (newerThan(a, b) ? -1 : 1))
  const newest = fullSyncs[0]
  return newest && newest.conclusion !== 'success' ? newest : undefined
}

/** The workflow file from GITHUB_WORKFLOW_REF (`owner/repo/.github/workflows/<file>@<ref>`), which the API takes as a workflow id. */
export function workflowFile(workflowRef: string | undefined): string | undefined {
  const m = /^[^/]+\/[^/]+\/\.github\/workflows\/([^/@]+)@/.exec(workflowRef ?? '')
  return m?.[1]
}
