/**
 * The slice of the GitHub REST API the action calls, mounted under /github (GITHUB_API_URL):
 * compare two commits, a pull request and its files, and issue comments (the sticky PR comment).
 * Shapes follow docs.github.com/rest: Link-header pagination (`per_page`/`page`), the compare
 * API's 300-file cap, the pull request files list's 3,000-file cap, error bodies
 * `{message, documentation_url, status}`.
 *
 * Commits are not emulated: a test seeds what GitHub would answer for a comparison or a pull
 * request. An unseeded comparison answers 404, as GitHub does for commits it does not have.
 *
 * Auth: `Authorization: token X` or `Bearer X`. Unknown tokens → 401 Bad credentials; no header →
 * reads of public repos work, writes 401 Requires authentication. A token is an identity
 * (`login`, `type` User|Bot, `id`); Bot tokens get 403 "Resource not accessible by integration"
 * from GET /user (as installation tokens do); `readOnly` tokens get that 403 on every write, and
 * `permissions` can withhold `contents` (compare) or `pull_requests` (pull endpoints).
 */
import { EmuError, type EmuContext, type EmuRequest, type EmuResult, type Router, type VendorEmulator } from '../../framework.ts'

const BASE = '/github'
const DOCS = 'https://docs.github.com/rest'
const WEB = 'https://github.com'
const COMPARE_FILE_CAP = 300
const COMPARE_COMMITS_UNPAGED = 250
const PULL_FILES_CAP = 3000
const COMMENT_MAX_CHARS = 65_536

/** The identity GITHUB_TOKEN has in a workflow run. Present after every reset. */
export const GITHUB_EMULATOR_TOKEN = 'ghs_emulator_installation_token_0000000000'
export const GITHUB_ACTIONS_BOT = { login: 'github-actions[bot]', type: 'Bot' as const, id: 41898282 }

export interface GithubIdentity {
  login: string
  type?: 'User' | 'Bot'
  id?: number
  /** Every write answers 403 Resource not accessible by integration. */
  readOnly?: boolean
  /** Scopes withheld from the token (`none`); absent means granted. */
  permissions?: { contents?: 'none' | 'read' | 'write'; pull_requests?: 'none' | 'read' | 'write'; issues?: 'none' | 'read' | 'write' }
}

export interface SeedFile {
  filename: string
  /** added | removed | modified | renamed | copied | changed | unchanged */
  status: string
  previous_filename?: string
  additions?: number
  deletions?: number
  sha?: string
}

export interface SeedCompare {
  base: string
  head: string
  status?: 'ahead' | 'behind' | 'diverged' | 'identical'
  ahead_by?: number
  behind_by?: number
  commits?: Array<{ sha: string; message?: string }>
  files?: SeedFile[]
}

export interface SeedPull {
  number: number
  title?: string
  body?: string | null
  state?: 'open' | 'closed'
  user?: { login: string; type?: 'User' | 'Bot'; id?: number }
  head: { sha: string; ref?: string; repo?: string | { full_name: string } | null }
  base: { sha: string; ref?: string }
  files?: SeedFile[]
}

export interface SeedComment {
  issue: number
  body: string
  user: string | { login: string; type?: 'User' | 'Bot'; id?: number }
  created_at?: string
}

export interface GithubSeed {
  /** `owner/name` the compares, pulls, issues and comments belong to. */
  repo?: string
  private?: boolean
  compares?: SeedCompare[]
  pulls?: SeedPull[]
  /** Plain issue numbers that accept comments (pull requests accept them too). */
  issues?: number[]
  tokens?: Record<string, GithubIdentity>
  comments?: SeedComment[]
}

interface User {
  login: string
  id: number
  type: 'User' | 'Bot'
}

interface Comment {
  id: number
  repo: string
  issue: number
  body: string
  user: User
  created_at: string
  updated_at: string
}

interface RepoState {
  fullName: string
  id: number
  private: boolean
  compares: SeedCompare[]
  pulls: Map<number, SeedPull>
  issues: Set<number>
}

function ghError(status: number, message: string, doc = DOCS, extra: Record<string, unknown> = {}): EmuError {
  return new EmuError(status, { message, ...extra, documentation_url: doc, status: String(status) })
}

function userJson(u: User) {
  const path = u.type === 'Bot' ? `apps/${u.login.replace(/\[bot\]$/, '')}` : u.login
  return {
    login: u.login,
    id: u.id,
    node_id: `${u.type === 'Bot' ? 'BOT' : 'U'}_kgDO${u.id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${u.id}?v=4`,
    url: `https://api.github.com/users/${encodeURIComponent(u.login)}`,
    html_url: `${WEB}/${path}`,
    type: u.type,
    site_admin: false
  }
}

function toUser(u: SeedComment['user'] | SeedPull['user'] | undefined, fallbackId: number): User {
  if (!u) return { login: 'octocat', id: 583231, type: 'User' }
  if (typeof u === 'string') return { login: u, id: fallbackId, type: u.endsWith('[bot]') ? 'Bot' : 'User' }
  return { login: u.login, id: u.id ?? fallbackId, type: u.type ?? (u.login.endsWith('[bot]') ? 'Bot' : 'User') }
}

export function createGithubEmulator(): VendorEmulator & { seed(body: unknown): unknown } {
  let ctx!: EmuContext
  let repos = new Map<string, RepoState>()
  let tokens = new Map<string, GithubIdentity>()
  let comments: Comment[] = []
  let nextComment = 1
  let nextRepo = 1
  let nextUser = 9_000_001

  function reset(): void {
    repos = new Map()
    tokens = new Map([[GITHUB_EMULATOR_TOKEN, { ...GITHUB_ACTIONS_BOT }]])
    comments = []
    // Real comment ids are large; starting high catches code that confuses them with issue numbers.
    nextComment = 1_900_000_001
    nextRepo = 1
    nextUser = 9_000_001
  }
  reset()

  const apiBase = () => `${ctx.baseUrl()}${BASE}`

  function repoState(full: string): RepoState {
    let r = repos.get(full)
    if (!r) {
      r = { fullName: full, id: 700_000 + nextRepo++, private: false, compares: [], pulls: new Map(), issues: new Set() }
      repos.set(full, r)
    }
    return r
  }

  // ---- auth ------------------------------------------------------------------------------

  interface Caller {
    identity: GithubIdentity | undefined
  }

  const rateHeaders = () => ({
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
    'x-ratelimit-resource': 'core',
    'x-github-media-type': 'github.v3; format=json'
  })

  function authenticate(req: EmuRequest): Caller {
    const header = req.headers.authorization
    if (header === undefined) return { identity: undefined }
    const token = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(String(header))?.[1]
    const identity = token === undefined ? undefined : tokens.get(token)
    if (!identity) throw ghError(401, 'Bad credentials')
    return { identity }
  }

  /** Finds the repo the caller may see; private or unknown repos are 404, as on GitHub. */
  function findRepo(req: EmuRequest, caller: Caller): RepoState {
    const full = `${req.params.owner}/${req.params.repo}`
    const r = [...repos.values()].find((x) => x.fullName.toLowerCase() === full.toLowerCase())
    if (!r || (r.private && !caller.identity)) throw ghError(404, 'Not Found')
    return r
  }

  function requireScope(caller: Caller, scope: 'contents' | 'pull_requests' | 'issues', write: boolean, doc: string): void {
    if (write) {
      if (!caller.identity) throw ghError(401, 'Requires authentication', doc)
      if (caller.identity.readOnly) throw ghError(403, 'Resource not accessible by integration', doc)
    }
    const granted = caller.identity?.permissions?.[scope]
    if (granted === 'none' || (write && granted === 'read')) throw ghError(403, 'Resource not accessible by integration', doc)
  }

  /** Comments on a pull request need `pull-requests: write` or `issues: write`; on an issue, `issues: write`. */
  function requireCommentWrite(caller: Caller, r: RepoState, issue: number, doc: string): void {
    if (caller.identity && !caller.identity.readOnly && r.pulls.has(issue) && caller.identity.permissions?.pull_requests === 'write') return
    requireScope(caller, 'issues', true, doc)
  }

  function api(handler: (req: EmuRequest, caller: Caller) => EmuResult) {
    return (req: EmuRequest): EmuResult => {
      try {
        const caller = authenticate(req)
        const result = handler(req, caller)
        return { ...result, headers: { ...rateHeaders(), ...result.headers } }
      } catch (e) {
        if (e instanceof EmuError) throw new EmuError(e.status, e.payload, { ...rateHeaders(), ...e.headers })
        throw e
      }
    }
  }

  // ---- pagination ------------------------------------------------------------------------

  /** GitHub's `per_page`/`page` with a Link header (first/prev/next/last as they apply). */
  function paginate<T>(req: EmuRequest, items: readonly T[], defaultPerPage = 30, maxPerPage = 100): { page: T[]; headers: Record<string, string> } {
    const perRaw = Number.parseInt(req.url.searchParams.get('per_page') ?? '', 10)
    const pageRaw = Number.parseInt(req.url.searchParams.get('page') ?? '', 10)
    const perPage = Number.isFinite(perRaw) && perRaw > 0 ? Math.min(perRaw, maxPerPage) : defaultPerPage
    const page = Number.isFinite(pageRaw) && pageRaw > 0 ? pageRaw : 1
    const lastPage = Math.max(1, Math.ceil(items.length / perPage))
    const link = (n: number) => {
      const u = new URL(`${apiBase()}${req.path.slice(BASE.length)}`)
      for (const [k, v] of req.url.searchParams) u.searchParams.set(k, v)
      u.searchParams.set('per_page', String(perPage))
      u.searchParams.set('page', String(n))
      return `<${u.toString()}>`
    }
    const rels: string[] = []
    if (page > 1) rels.push(`${link(Math.min(page - 1, lastPage))}; rel="prev"`)
    if (page < lastPage) rels.push(`${link(page + 1)}; rel="next"`, `${link(lastPage)}; rel="last"`)
    if (page > 1) rels.push(`${link(1)}; rel="first"`)
    return { page: items.slice((page - 1) * perPage, page * perPage), headers: rels.length ? { link: rels.join(', ') } : {} }
  }

  // ---- shapes ----------------------------------------------------------------------------

  function fileJson(r: RepoState, f: SeedFile, ref: string) {
    const additions = f.additions ?? (f.status === 'removed' ? 0 : 1)
    const deletions = f.deletions ?? (f.status === 'added' ? 0 : f.status === 'removed' ? 1 : 0)
    const path = f.filename.split('/').map(encodeURIComponent).join('/')
    return {
      sha: f.sha ?? 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391',
      filename: f.filename,
      status: f.status,
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: `${WEB}/${r.fullName}/blob/${ref}/${path}`,
      raw_url: `${WEB}/${r.fullName}/raw/${ref}/${path}`,
      contents_url: `${apiBase()}/repos/${r.fullName}/contents/${path}?ref=${ref}`,
      patch: '@@ -0,0 +1 @@',
      ...(f.previous_filename !== undefined ? { previous_filename: f.previous_filename } : {})
    }
  }

  function repoJson(full: string, r?: RepoState) {
    const [owner, name] = full.split('/') as [string, string]
    return {
      id: r?.id ?? 0,
      name,
      full_name: full,
      private: r?.private ?? false,
      fork: r === undefined,
      owner: userJson({ login: owner, id: 1, type: 'User' }),
      html_url: `${WEB}/${full}`,
      url: `${apiBase()}/repos/${full}`
    }
  }

  function pullJson(r: RepoState, p: SeedPull) {
    const files = p.files ?? []
    const headRepo = p.head.repo === null ? null : typeof p.head.repo === 'string' ? p.head.repo : (p.head.repo?.full_name ?? r.fullName)
    const user = toUser(p.user, 583231)
    const now = new Date().toISOString()
    return {
      url: `${apiBase()}/repos/${r.fullName}/pulls/${p.number}`,
      id: 1_000_000 + p.number,
      node_id: `PR_kwDO${p.number}`,
      html_url: `${WEB}/${r.fullName}/pull/${p.number}`,
      diff_url: `${WEB}/${r.fullName}/pull/${p.number}.diff`,
      issue_url: `${apiBase()}/repos/${r.fullName}/issues/${p.number}`,
      comments_url: `${apiBase()}/repos/${r.fullName}/issues/${p.number}/comments`,
      number: p.number,
      state: p.state ?? 'open',
      locked: false,
      title: p.title ?? `Pull request ${p.number}`,
      user: userJson(user),
      body: p.body ?? null,
      labels: [],
      created_at: now,
      updated_at: now,
      draft: false,
      merged: false,
      head: {
        label: `${(headRepo ?? r.fullName).split('/')[0]}:${p.head.ref ?? 'feature'}`,
        ref: p.head.ref ?? 'feature',
        sha: p.head.sha,
        repo: headRepo === null ? null : repoJson(headRepo, headRepo.toLowerCase() === r.fullName.toLowerCase() ? r : undefined)
      },
      base: { label: `${r.fullName.split('/')[0]}:${p.base.ref ?? 'main'}`, ref: p.base.ref ?? 'main', sha: p.base.sha, repo: repoJson(r.fullName, r) },
      author_association: 'MEMBER',
      commits: 1,
      additions: files.reduce((n, f) => n + (f.additions ?? 1), 0),
      deletions: files.reduce((n, f) => n + (f.deletions ?? 0), 0),
      changed_files: files.length
    }
  }

  function commentJson(c: Comment) {
    const r = repos.get(c.repo)
    const kind = r?.pulls.has(c.issue) ? 'pull' : 'issues'
    return {
      url: `${apiBase()}/repos/${c.repo}/issues/comments/${c.id}`,
      html_url: `${WEB}/${c.repo}/${kind}/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${apiBase()}/repos/${c.repo}/issues/${c.issue}`,
      id: c.id,
      node_id: `IC_kwDO${c.id}`,
      user: userJson(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
      body: c.body,
      reactions: { url: `${apiBase()}/repos/${c.repo}/issues/comments/${c.id}/reactions`, total_count: 0, '+1': 0, '-1': 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0 },
      performed_via_github_app: c.user.login === GITHUB_ACTIONS_BOT.login ? { id: 15368, slug: 'github-actions', name: 'GitHub Actions' } : null
    }
  }

  function identityUser(identity: GithubIdentity): User {
    return { login: identity.login, id: identity.id ?? 583231, type: identity.type ?? 'User' }
  }

  /** The body of a comment write: GitHub's 422 shapes for a missing or oversized body. */
  function commentBody(req: EmuRequest, doc: string): string {
    const body = (req.json() as { body?: unknown } | null)?.body
    if (typeof body !== 'string') throw ghError(422, 'Invalid request.\n\n"body" wasn\'t supplied.', doc)
    if (body.length > COMMENT_MAX_CHARS) {
      throw ghError(422, 'Validation Failed', doc, {
        errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: `body is too long (maximum is ${COMMENT_MAX_CHARS} characters)` }]
      })
    }
    return body
  }

  function issueExists(r: RepoState, n: number): boolean {
    return r.pulls.has(n) || r.issues.has(n)
  }

  function findComment(r: RepoState, id: string | undefined): Comment {
    const c = comments.find((x) => String(x.id) === id && x.repo === r.fullName)
    if (!c) throw ghError(404, 'Not Found')
    return c
  }

  // ---- routes ----------------------------------------------------------------------------

  function register(router: Router, context: EmuContext): void {
    ctx = context

    router.add(
      'GET',
      `${BASE}/user`,
      api((_req, caller) => {
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
      api((req, caller) => {
        const doc = `${DOCS}/commits/commits#compare-two-commits`
        const r = findRepo(req, caller)
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
          url: `${apiBase()}/repos/${r.fullName}/commits/${x.sha}`,
          html_url: `${WEB}/${r.fullName}/commit/${x.sha}`
        }))
        // Without page/per_page GitHub returns up to 250 commits and no Link header; with them it
        // paginates the commits. The file list (at most 300) is only on the first page.
        const paged = req.url.searchParams.has('page') || req.url.searchParams.has('per_page')
        const { page, headers } = paged ? paginate(req, commits) : { page: commits.slice(0, COMPARE_COMMITS_UNPAGED), headers: {} }
        const pageNo = Number.parseInt(req.url.searchParams.get('page') ?? '1', 10)
        const files = (c.files ?? []).slice(0, COMPARE_FILE_CAP).map((f) => fileJson(r, f, c.head))
        const status = c.status ?? 'ahead'
        return {
          status: 200,
          headers,
          json: {
            url: `${apiBase()}/repos/${r.fullName}/compare/${c.base}...${c.head}`,
            html_url: `${WEB}/${r.fullName}/compare/${c.base}...${c.head}`,
            permalink_url: `${WEB}/${r.fullName}/compare/${r.fullName.split('/')[0]}:${c.base.slice(0, 7)}...${r.fullName.split('/')[0]}:${c.head.slice(0, 7)}`,
            diff_url: `${WEB}/${r.fullName}/compare/${c.base}...${c.head}.diff`,
            patch_url: `${WEB}/${r.fullName}/compare/${c.base}...${c.head}.patch`,
            base_commit: { sha: c.base, url: `${apiBase()}/repos/${r.fullName}/commits/${c.base}` },
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
      api((req, caller) => {
        const doc = `${DOCS}/pulls/pulls#get-a-pull-request`
        const r = findRepo(req, caller)
        requireScope(caller, 'pull_requests', false, doc)
        const p = r.pulls.get(Number(req.params.number))
        if (!p) throw ghError(404, 'Not Found', doc)
        return { status: 200, json: pullJson(r, p) }
      })
    )

    router.add(
      'GET',
      `${BASE}/repos/:owner/:repo/pulls/:number/files`,
      api((req, caller) => {
        const doc = `${DOCS}/pulls/pulls#list-pull-requests-files`
        const r = findRepo(req, caller)
        requireScope(caller, 'pull_requests', false, doc)
        const p = r.pulls.get(Number(req.params.number))
        if (!p) throw ghError(404, 'Not Found', doc)
        const files = (p.files ?? []).slice(0, PULL_FILES_CAP)
        const { page, headers } = paginate(req, files)
        return { status: 200, headers, json: page.map((f) => fileJson(r, f, p.head.sha)) }
      })
    )

    router.add(
      'GET',
      `${BASE}/repos/:owner/:repo/issues/:number/comments`,
      api((req, caller) => {
        const doc = `${DOCS}/issues/comments#list-issue-comments`
        const r = findRepo(req, caller)
        requireScope(caller, 'issues', false, doc)
        const n = Number(req.params.number)
        if (!issueExists(r, n)) throw ghError(404, 'Not Found', doc)
        const since = req.url.searchParams.get('since')
        const list = comments.filter((c) => c.repo === r.fullName && c.issue === n && (!since || c.updated_at >= new Date(since).toISOString()))
        const { page, headers } = paginate(req, list)
        return { status: 200, headers, json: page.map(commentJson) }
      })
    )

    router.add(
      'POST',
      `${BASE}/repos/:owner/:repo/issues/:number/comments`,
      api((req, caller) => {
        const doc = `${DOCS}/issues/comments#create-an-issue-comment`
        const r = findRepo(req, caller)
        const n = Number(req.params.number)
        requireCommentWrite(caller, r, n, doc)
        if (!issueExists(r, n)) throw ghError(404, 'Not Found', doc)
        const body = commentBody(req, doc)
        const t = new Date().toISOString()
        const c: Comment = { id: nextComment++, repo: r.fullName, issue: n, body, user: identityUser(caller.identity!), created_at: t, updated_at: t }
        comments.push(c)
        const json = commentJson(c)
        return { status: 201, headers: { location: json.url }, json }
      })
    )

    router.add(
      'GET',
      `${BASE}/repos/:owner/:repo/issues/comments/:id`,
      api((req, caller) => {
        const r = findRepo(req, caller)
        requireScope(caller, 'issues', false, `${DOCS}/issues/comments#get-an-issue-comment`)
        return { status: 200, json: commentJson(findComment(r, req.params.id)) }
      })
    )

    router.add(
      'PATCH',
      `${BASE}/repos/:owner/:repo/issues/comments/:id`,
      api((req, caller) => {
        const doc = `${DOCS}/issues/comments#update-an-issue-comment`
        const r = findRepo(req, caller)
        const c = findComment(r, req.params.id)
        requireCommentWrite(caller, r, c.issue, doc)
        c.body = commentBody(req, doc)
        c.updated_at = new Date(Math.max(Date.now(), Date.parse(c.updated_at) + 1)).toISOString()
        return { status: 200, json: commentJson(c) }
      })
    )

    router.add(
      'DELETE',
      `${BASE}/repos/:owner/:repo/issues/comments/:id`,
      api((req, caller) => {
        const doc = `${DOCS}/issues/comments#delete-an-issue-comment`
        const r = findRepo(req, caller)
        const c = findComment(r, req.params.id)
        requireCommentWrite(caller, r, c.issue, doc)
        comments = comments.filter((x) => x !== c)
        return { status: 204 }
      })
    )
  }

  // ---- seeding and state -----------------------------------------------------------------

  function seed(body: unknown) {
    const s = (body ?? {}) as GithubSeed
    const made: { repo?: string; compares: number; pulls: number[]; comments: number[]; tokens: number } = { compares: 0, pulls: [], comments: [], tokens: 0 }
    for (const [token, identity] of Object.entries(s.tokens ?? {})) {
      tokens.set(token, { ...identity, type: identity.type ?? 'User', id: identity.id ?? nextUser++ })
      made.tokens++
    }
    const needsRepo = s.compares?.length || s.pulls?.length || s.issues?.length || s.comments?.length || s.private !== undefined
    if (!s.repo) {
      if (needsRepo) throw new EmuError(400, { error: 'seed needs `repo` ("owner/name") for compares, pulls, issues and comments' })
      return made
    }
    const r = repoState(s.repo)
    made.repo = r.fullName
    if (s.private !== undefined) r.private = s.private
    for (const c of s.compares ?? []) {
      r.compares = r.compares.filter((x) => !(x.base === c.base && x.head === c.head))
      r.compares.push(structuredClone(c))
      made.compares++
    }
    for (const p of s.pulls ?? []) {
      r.pulls.set(p.number, structuredClone(p))
      made.pulls.push(p.number)
    }
    for (const n of s.issues ?? []) r.issues.add(n)
    for (const c of s.comments ?? []) {
      if (!issueExists(r, c.issue)) r.issues.add(c.issue)
      const t = c.created_at ?? new Date().toISOString()
      const made1: Comment = { id: nextComment++, repo: r.fullName, issue: c.issue, body: c.body, user: toUser(c.user, nextUser++), created_at: t, updated_at: t }
      comments.push(made1)
      made.comments.push(made1.id)
    }
    return made
  }

  function state() {
    const byIssue: Record<string, ReturnType<typeof commentJson>[]> = {}
    for (const c of comments) (byIssue[`${c.repo}#${c.issue}`] ??= []).push(commentJson(c))
    return {
      /** Comments per issue or PR, keyed `owner/name#number`, oldest first. */
      comments: byIssue,
      repos: Object.fromEntries(
        [...repos.values()].map((r) => [
          r.fullName,
          {
            private: r.private,
            compares: r.compares.map((c) => ({ base: c.base, head: c.head, status: c.status ?? 'ahead', files: c.files?.length ?? 0 })),
            pulls: [...r.pulls.values()].map((p) => ({ number: p.number, title: p.title, head: p.head.sha, base: p.base.sha, files: p.files?.length ?? 0 })),
            issues: [...r.issues]
          }
        ])
      ),
      identities: [...tokens.values()].map((i) => ({ login: i.login, type: i.type, id: i.id, readOnly: i.readOnly ?? false }))
    }
  }

  return { name: 'github', register, state, reset, seed }
}
