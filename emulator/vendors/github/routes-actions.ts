/**
 * The two Actions API reads the action makes to find where a push's diff starts: one workflow run
 * (for its workflow id) and a workflow's runs, filtered and newest first. Both need `actions: read`.
 */
import type { Router } from '../../framework.ts'
import { api, findRepo, ghError, requireScope } from './auth.ts'
import { matchesFilters, newestFirst, runJson } from './runs.ts'
import { paginate } from './shapes.ts'
import { BASE, DOCS, type GithubStore } from './state.ts'

export function registerActionsRoutes(router: Router, store: GithubStore): void {
  router.add(
    'GET',
    `${BASE}/repos/:owner/:repo/actions/runs/:run_id`,
    api(store, (req, caller) => {
      const doc = `${DOCS}/actions/workflow-runs#get-a-workflow-run`
      const r = findRepo(store, req, caller)
      requireScope(caller, 'actions', false, doc)
      const run = r.runs.find((x) => String(x.id) === req.params.run_id)
      if (!run) throw ghError(404, 'Not Found', doc)
      return { status: 200, json: runJson(store.apiBase(), r.fullName, run) }
    })
  )

  router.add(
    'GET',
    `${BASE}/repos/:owner/:repo/actions/workflows/:workflow_id/runs`,
    api(store, (req, caller) => {
      const doc = `${DOCS}/actions/workflow-runs#list-workflow-runs-for-a-workflow`
      const r = findRepo(store, req, caller)
      requireScope(caller, 'actions', false, doc)
      // The id, or the workflow's file name, as GitHub accepts both.
      const asked = req.params.workflow_id!
      const workflowId = /^\d+$/.test(asked) ? Number(asked) : r.workflows.get(asked)
      if (workflowId === undefined || ![...r.workflows.values()].includes(workflowId)) throw ghError(404, 'Not Found', doc)
      const runs = r.runs.filter((x) => x.workflowId === workflowId && matchesFilters(x, req.url.searchParams)).sort(newestFirst)
      const { page, headers } = paginate(store, req, runs)
      return { status: 200, headers, json: { total_count: runs.length, workflow_runs: page.map((x) => runJson(store.apiBase(), r.fullName, x)) } }
    })
  )
}
