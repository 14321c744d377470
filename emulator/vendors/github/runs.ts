/**
 * Workflow runs, as the Actions API shows them: seeded by tests (what GitHub would have recorded
 * for earlier pushes), listed per workflow newest first with GitHub's filters, and read one by one.
 */
import { WEB } from './web.ts'

export interface SeedWorkflowRun {
  /** The run id (GITHUB_RUN_ID); default: the next free one. */
  id?: number
  /** The workflow's file under .github/workflows; default `knowledge-sync.yml`. */
  workflow?: string
  head_sha: string
  /** Default `main`. */
  head_branch?: string
  /** Default `push`. */
  event?: string
  /** Default `completed`. */
  status?: 'queued' | 'in_progress' | 'completed'
  /** Default `success` for a completed run, null otherwise. */
  conclusion?: 'success' | 'failure' | 'cancelled' | 'skipped' | 'timed_out' | null
  /** Default: later than every run seeded before. */
  created_at?: string
}

export interface WorkflowRun {
  id: number
  workflow: string
  workflowId: number
  head_sha: string
  head_branch: string
  event: string
  status: NonNullable<SeedWorkflowRun['status']>
  conclusion: SeedWorkflowRun['conclusion'] | null
  created_at: string
}

export const DEFAULT_WORKFLOW = 'knowledge-sync.yml'

/** Conclusions GitHub's `status` filter also accepts; the other values filter on the status itself. */
const CONCLUSIONS = new Set(['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required', 'stale'])

/** GitHub's `branch`, `event` and `status` query filters. */
export function matchesFilters(run: WorkflowRun, params: URLSearchParams): boolean {
  const branch = params.get('branch')
  const event = params.get('event')
  const status = params.get('status')
  if (branch && run.head_branch !== branch) return false
  if (event && run.event !== event) return false
  if (status && (CONCLUSIONS.has(status) ? run.conclusion !== status : run.status !== status)) return false
  return true
}

/** Newest first, as GitHub lists them. */
export function newestFirst(a: WorkflowRun, b: WorkflowRun): number {
  return b.created_at.localeCompare(a.created_at) || b.id - a.id
}

export function runJson(apiBase: string, repo: string, run: WorkflowRun) {
  return {
    id: run.id,
    name: run.workflow.replace(/\.ya?ml$/, ''),
    node_id: `WFR_kwLO${run.id}`,
    head_branch: run.head_branch,
    head_sha: run.head_sha,
    path: `.github/workflows/${run.workflow}`,
    run_number: run.id % 10_000,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflowId,
    url: `${apiBase}/repos/${repo}/actions/runs/${run.id}`,
    html_url: `${WEB}/${repo}/actions/runs/${run.id}`,
    created_at: run.created_at,
    updated_at: run.created_at,
    run_attempt: 1,
    workflow_url: `${apiBase}/repos/${repo}/actions/workflows/${run.workflowId}`
  }
}
