/** The authenticated user, compare two commits, a pull request and its files. */
import type { Router } from '../../framework.ts'
import { api, findRepo, ghError, identityUser, requireScope } from './auth.ts'
import { fileJson, paginate, pullJson } from './shapes.ts'
import { BASE, DOCS, userJson, WEB, type GithubStore } from './state.ts'

const COMPARE_FILE_CAP = 300
const COMPARE_COMMITS_UNPAGED = 250
const PULL_FILES_CAP = 3000

export function registerPullRoutes(router: Router, store: GithubStore): void {
  router.add(
    'GET',
    `${BASE}/user`,
    api(store, (_req, caller) => {
      const doc = `${DOCS}/users/users#get-the-authenticated-user`
      if (!caller.identity) throw ghError(401, 'Requires authentication', doc)
      // Installation tokens (GITHUB_TOKEN) are not users: GitHub refuses this endpoint for them.
      if ((caller.identity.type ?? 'User') === 'Bot') throw ghError(403, 'Resource not accessible by integration', doc)
      return { status: 200, json: userJson(identityUser(caller.identity)) }
    })
  )

  router.add(
    'GET',
    `${BASE}/repos/:owner/:repo/compare/:basehead`,
    api(store, (req, caller) => {
      const doc = `${DOCS}/commits/commits#compare-two-commits`
      const r = findRepo(store, req, caller)
      requireScope(caller, 'contents', false, doc)
      const [base, head] = req.params.basehead!.split('...')
      if (!base || !head) throw ghError(404, 'Not Found', doc)
      const same = (seeded: string, asked: string) => seeded === asked || (asked.length >= 7 && seeded.startsWith(asked))
      const c = r.compares.find((x) => same(x.base, base) && same(x.head, head))
      if (!c) throw ghError(404, 'Not Found', doc)
      const commits = (c.commits ?? []).map((x) => ({
        sha: x.sha,
        node_id: `C_kwDO${x.sha.slice(0, 8)}`,
        commit: { message: x.message ?? 'commit', author: { name: 'Test', email: 't@example.com', date: new Date().toISOString() } },
        url: `${store.apiBase()}/repos/${r.fullName}/commits/${x.sha}`,
        html_url: `${WEB}/${r.fullName}/commit/${x.sha}`
      }))
      // Without page/per_page GitHub returns up to 250 commits and no Link header; with them it
      // paginates the commits. The file list (at most 300) is only on the first page.
      const paged = req.url.searchParams.has('page') || req.url.searchParams.has('per_page')
      const { page, headers } = paged ? paginate(store, req, commits) : { page: commits.slice(0, COMPARE_COMMITS_UNPAGED), headers: {} }
      const pageNo = Number.parseInt(req.url.searchParams.get('page') ?? '1', 10)
      const files = (c.files ?? []).slice(0, COMPARE_FILE_CAP).map((f) => fileJson(store, r, f, c.head))
      const status = c.status ?? 'ahead'
      return {
        status: 200,
        headers,
        json: {
          url: `${store.apiBase()}/repos/${r.fullName}/compare/${c.base}...${c.head}`,
          html_url: `${WEB}/${r.fullName}/compare/${c.base}...${c.head}`,
          permalink_url: `${WEB}/${r.fullName}/compare/${r.fullName.split('/')[0]}:${c.base.slice(0, 7)}...${r.fullName.split('/')[0]}:${c.head.slice(0, 7)}`,
          diff_url: `${WEB}/${r.fullName}/compare/${c.base}...${c.head}.diff`,
          patch_url: `${WEB}/${r.fullName}/compare/${c.base}...${c.head}.patch`,
          base_commit: { sha: c.base, url: `${store.apiBase()}/repos/${r.fullName}/commits/${c.base}` },
          merge_base_commit: { sha: status === 'ahead' || status === 'identical' ? c.base : 'b'.repeat(40) },
          status,
          ahead_by: c.ahead_by ?? (status === 'identical' || status === 'behind' ? 0 : Math.max(1, commits.length)),
          behind_by: c.behind_by ?? (status === 'behind' || status === 'diverged' ? 1 : 0),
          total_commits: commits.length,
          commits: page,
          ...(pageNo > 1 ? {} : { files })
        }
      }
    })
  )

  router.add(
    'GET',
    `${BASE}/repos/:owner/:repo/pulls/:number`,
    api(store, (req, caller) => {
      const doc = `${DOCS}/pulls/pulls#get-a-pull-request`
      const r = findRepo(store, req, caller)
      requireScope(caller, 'pull_requests', false, doc)
      const p = r.pulls.get(Number(req.params.number))
      if (!p) throw ghError(404, 'Not Found', doc)
      return { status: 200, json: pullJson(store, r, p) }
    })
  )

  router.add(
    'GET',
    `${BASE}/repos/:owner/:repo/pulls/:number/files`,
    api(store, (req, caller) => {
      const doc = `${DOCS}/pulls/pulls#list-pull-requests-files`
      const r = findRepo(store, req, caller)
      requireScope(caller, 'pull_requests', false, doc)
      const p = r.pulls.get(Number(req.params.number))
      if (!p) throw ghError(404, 'Not Found', doc)
      const files = (p.files ?? []).slice(0, PULL_FILES_CAP)
      const { page, headers } = paginate(store, req, files)
      return { status: 200, headers, json: page.map((f) => fileJson(store, r, f, p.head.sha)) }
    })
  )
}
