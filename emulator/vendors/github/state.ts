/**
 * What the GitHub emulator holds: repositories with the compares, pull requests, issues and
 * workflow runs a test seeded, token identities, and issue comments; with the state and seed
 * formats. Commits are not emulated: a seeded compare or pull request is what GitHub would answer.
 */
import { EmuError, type EmuContext } from '../../framework.ts'
import { DEFAULT_WORKFLOW, type SeedWorkflowRun, type WorkflowRun } from './runs.ts'
import { WEB } from './web.ts'

export const BASE = '/github'
export const DOCS = 'https://docs.github.com/rest'
export { WEB }

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
  permissions?: {
    contents?: 'none' | 'read' | 'write'
    pull_requests?: 'none' | 'read' | 'write'
    issues?: 'none' | 'read' | 'write'
    actions?: 'none' | 'read' | 'write'
  }
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
  /** Runs of the repository's workflows, as GitHub recorded them (the Actions API lists them). */
  workflowRuns?: SeedWorkflowRun[]
}

export interface User {
  login: string
  id: number
  type: 'User' | 'Bot'
}

export interface Comment {
  id: number
  repo: string
  issue: number
  body: string
  user: User
  created_at: string
  updated_at: string
}

export interface RepoState {
  fullName: string
  id: number
  private: boolean
  compares: SeedCompare[]
  pulls: Map<number, SeedPull>
  issues: Set<number>
  /** Workflow file → its id. */
  workflows: Map<string, number>
  runs: WorkflowRun[]
}

/** What seeding made. */
export interface GithubSeeded {
  repo?: string
  compares: number
  pulls: number[]
  comments: number[]
  tokens: number
  workflowRuns: number[]
}

/** A user as the REST API shows it. */
export interface UserJson {
  login: string
  id: number
  node_id: string
  avatar_url: string
  url: string
  html_url: string
  type: 'User' | 'Bot'
  site_admin: boolean
}

/** An issue comment as the REST API shows it. */
export interface CommentJson {
  url: string
  html_url: string
  issue_url: string
  id: number
  node_id: string
  user: UserJson
  created_at: string
  updated_at: string
  author_association: string
  body: string
  reactions: Record<string, string | number>
  performed_via_github_app: { id: number; slug: string; name: string } | null
}

/** `GET /_emulator/state/github`. */
export interface GithubState {
  /** Comments per issue or PR, keyed `owner/name#number`, oldest first. */
  comments: Record<string, CommentJson[]>
  repos: Record<
    string,
    {
      private: boolean
      compares: Array<{ base: string; head: string; status: NonNullable<SeedCompare['status']>; files: number }>
      pulls: Array<{ number: number; title: string | undefined; head: string; base: string; files: number }>
      issues: number[]
      workflowRuns: Array<{ id: number; workflow: string; head_sha: string; head_branch: string; event: string; status: string; conclusion: string | null }>
    }
  >
  identities: Array<{ login: string; type: GithubIdentity['type']; id: number | undefined; readOnly: boolean }>
}

export function userJson(u: User): UserJson {
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

export function toUser(u: SeedComment['user'] | SeedPull['user'] | undefined, fallbackId: number): User {
  if (!u) return { login: 'octocat', id: 583231, type: 'User' }
  if (typeof u === 'string') return { login: u, id: fallbackId, type: u.endsWith('[bot]') ? 'Bot' : 'User' }
  return { login: u.login, id: u.id ?? fallbackId, type: u.type ?? (u.login.endsWith('[bot]') ? 'Bot' : 'User') }
}

export class GithubStore {
  /** Set when the server registers the vendor. */
  ctx!: EmuContext
  repos = new Map<string, RepoState>()
  tokens = new Map<string, GithubIdentity>()
  comments: Comment[] = []
  nextComment = 1
  nextRepo = 1
  nextUser = 9_000_001
  nextRun = 5_000_000_001
  /** The newest seeded run's time, so runs seeded one after another list in that order. */
  lastRunAt = 0

  constructor() {
    this.reset()
  }

  reset(): void {
    this.repos = new Map()
    this.tokens = new Map([[GITHUB_EMULATOR_TOKEN, { ...GITHUB_ACTIONS_BOT }]])
    this.comments = []
    // Real comment ids are large; starting high catches code that confuses them with issue numbers.
    this.nextComment = 1_900_000_001
    this.nextRepo = 1
    this.nextUser = 9_000_001
    this.nextRun = 5_000_000_001
    this.lastRunAt = 0
  }

  apiBase(): string {
    return `${this.ctx.baseUrl()}${BASE}`
  }

  repoState(full: string): RepoState {
    let r = this.repos.get(full)
    if (!r) {
      r = { fullName: full, id: 700_000 + this.nextRepo++, private: false, compares: [], pulls: new Map(), issues: new Set(), workflows: new Map(), runs: [] }
      this.repos.set(full, r)
    }
    return r
  }

  issueExists(r: RepoState, n: number): boolean {
    return r.pulls.has(n) || r.issues.has(n)
  }

  commentJson(c: Comment): CommentJson {
    const r = this.repos.get(c.repo)
    const kind = r?.pulls.has(c.issue) ? 'pull' : 'issues'
    return {
      url: `${this.apiBase()}/repos/${c.repo}/issues/comments/${c.id}`,
      html_url: `${WEB}/${c.repo}/${kind}/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${this.apiBase()}/repos/${c.repo}/issues/${c.issue}`,
      id: c.id,
      node_id: `IC_kwDO${c.id}`,
      user: userJson(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
      body: c.body,
      reactions: {
        url: `${this.apiBase()}/repos/${c.repo}/issues/comments/${c.id}/reactions`,
        total_count: 0,
        '+1': 0,
        '-1': 0,
        laugh: 0,
        hooray: 0,
        confused: 0,
        heart: 0,
        rocket: 0,
        eyes: 0
      },
      performed_via_github_app: c.user.login === GITHUB_ACTIONS_BOT.login ? { id: 15368, slug: 'github-actions', name: 'GitHub Actions' } : null
    }
  }

  seed(body: GithubSeed): GithubSeeded {
    const s = body ?? {}
    const made: GithubSeeded = { compares: 0, pulls: [], comments: [], tokens: 0, workflowRuns: [] }
    for (const [token, identity] of Object.entries(s.tokens ?? {})) {
      this.tokens.set(token, { ...identity, type: identity.type ?? 'User', id: identity.id ?? this.nextUser++ })
      made.tokens++
    }
    const needsRepo = s.compares?.length || s.pulls?.length || s.issues?.length || s.comments?.length || s.workflowRuns?.length || s.private !== undefined
    if (!s.repo) {
      if (needsRepo) throw new EmuError(400, { error: 'seed needs `repo` ("owner/name") for compares, pulls, issues, comments and workflow runs' })
      return made
    }
    const r = this.repoState(s.repo)
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
    for (const run of s.workflowRuns ?? []) made.workflowRuns.push(this.addRun(r, run))
    for (const c of s.comments ?? []) {
      if (!this.issueExists(r, c.issue)) r.issues.add(c.issue)
      const t = c.created_at ?? new Date().toISOString()
      const made1: Comment = {
        id: this.nextComment++,
        repo: r.fullName,
        issue: c.issue,
        body: c.body,
        user: toUser(c.user, this.nextUser++),
        created_at: t,
        updated_at: t
      }
      this.comments.push(made1)
      made.comments.push(made1.id)
    }
    return made
  }

  private addRun(r: RepoState, seed: SeedWorkflowRun): number {
    if (typeof seed?.head_sha !== 'string' || seed.head_sha === '') throw new EmuError(400, { error: 'a workflow run needs `head_sha`' })
    const workflow = seed.workflow ?? DEFAULT_WORKFLOW
    const workflowId = r.workflows.get(workflow) ?? 160_000_000 + r.id * 100 + r.workflows.size
    r.workflows.set(workflow, workflowId)
    this.lastRunAt = Math.max(this.lastRunAt + 1000, Date.now())
    const status = seed.status ?? 'completed'
    const id = seed.id ?? this.nextRun++
    r.runs = r.runs.filter((x) => x.id !== id)
    r.runs.push({
      id,
      workflow,
      workflowId,
      head_sha: seed.head_sha,
      head_branch: seed.head_branch ?? 'main',
      event: seed.event ?? 'push',
      status,
      conclusion: seed.conclusion !== undefined ? seed.conclusion : status === 'completed' ? 'success' : null,
      created_at: seed.created_at ?? new Date(this.lastRunAt).toISOString()
    })
    return id
  }

  state(): GithubState {
    const byIssue: Record<string, CommentJson[]> = {}
    for (const c of this.comments) {
      const key = `${c.repo}#${c.issue}`
      byIssue[key] ??= []
      byIssue[key].push(this.commentJson(c))
    }
    return {
      comments: byIssue,
      repos: Object.fromEntries(
        [...this.repos.values()].map((r) => [
          r.fullName,
          {
            private: r.private,
            compares: r.compares.map((c) => ({ base: c.base, head: c.head, status: c.status ?? 'ahead', files: c.files?.length ?? 0 })),
            pulls: [...r.pulls.values()].map((p) => ({ number: p.number, title: p.title, head: p.head.sha, base: p.base.sha, files: p.files?.length ?? 0 })),
            issues: [...r.issues],
            workflowRuns: r.runs.map((x) => ({
              id: x.id,
              workflow: x.workflow,
              head_sha: x.head_sha,
              head_branch: x.head_branch,
              event: x.event,
              status: x.status,
              conclusion: x.conclusion ?? null
            }))
          }
        ])
      ),
      identities: [...this.tokens.values()].map((i) => ({ login: i.login, type: i.type, id: i.id, readOnly: i.readOnly ?? false }))
    }
  }
}
