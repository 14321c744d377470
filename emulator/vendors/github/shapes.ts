/** GitHub's JSON shapes for files, repositories and pull requests, and its Link-header pagination. */
import type { EmuRequest } from '../../framework.ts'
import { BASE, WEB, toUser, userJson, type GithubStore, type RepoState, type SeedFile, type SeedPull } from './state.ts'

/** GitHub's `per_page`/`page` with a Link header (first/prev/next/last as they apply). */
export function paginate<T>(
  store: GithubStore,
  req: EmuRequest,
  items: readonly T[],
  defaultPerPage = 30,
  maxPerPage = 100
): { page: T[]; headers: Record<string, string> } {
  const perRaw = Number.parseInt(req.url.searchParams.get('per_page') ?? '', 10)
  const pageRaw = Number.parseInt(req.url.searchParams.get('page') ?? '', 10)
  const perPage = Number.isFinite(perRaw) && perRaw > 0 ? Math.min(perRaw, maxPerPage) : defaultPerPage
  const page = Number.isFinite(pageRaw) && pageRaw > 0 ? pageRaw : 1
  const lastPage = Math.max(1, Math.ceil(items.length / perPage))
  const link = (n: number) => {
    const u = new URL(`${store.apiBase()}${req.path.slice(BASE.length)}`)
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

export function fileJson(store: GithubStore, r: RepoState, f: SeedFile, ref: string) {
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
    contents_url: `${store.apiBase()}/repos/${r.fullName}/contents/${path}?ref=${ref}`,
    patch: '@@ -0,0 +1 @@',
    ...(f.previous_filename !== undefined ? { previous_filename: f.previous_filename } : {})
  }
}

function repoJson(store: GithubStore, full: string, r?: RepoState) {
  const [owner, name] = full.split('/') as [string, string]
  return {
    id: r?.id ?? 0,
    name,
    full_name: full,
    private: r?.private ?? false,
    fork: r === undefined,
    owner: userJson({ login: owner, id: 1, type: 'User' }),
    html_url: `${WEB}/${full}`,
    url: `${store.apiBase()}/repos/${full}`
  }
}

export function pullJson(store: GithubStore, r: RepoState, p: SeedPull) {
  const files = p.files ?? []
  const headRepo = p.head.repo === null ? null : typeof p.head.repo === 'string' ? p.head.repo : (p.head.repo?.full_name ?? r.fullName)
  const user = toUser(p.user, 583231)
  const now = new Date().toISOString()
  return {
    url: `${store.apiBase()}/repos/${r.fullName}/pulls/${p.number}`,
    id: 1_000_000 + p.number,
    node_id: `PR_kwDO${p.number}`,
    html_url: `${WEB}/${r.fullName}/pull/${p.number}`,
    diff_url: `${WEB}/${r.fullName}/pull/${p.number}.diff`,
    issue_url: `${store.apiBase()}/repos/${r.fullName}/issues/${p.number}`,
    comments_url: `${store.apiBase()}/repos/${r.fullName}/issues/${p.number}/comments`,
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
      repo: headRepo === null ? null : repoJson(store, headRepo, headRepo.toLowerCase() === r.fullName.toLowerCase() ? r : undefined)
    },
    base: { label: `${r.fullName.split('/')[0]}:${p.base.ref ?? 'main'}`, ref: p.base.ref ?? 'main', sha: p.base.sha, repo: repoJson(store, r.fullName, r) },
    author_association: 'MEMBER',
    commits: 1,
    additions: files.reduce((n, f) => n + (f.additions ?? 1), 0),
    deletions: files.reduce((n, f) => n + (f.deletions ?? 0), 0),
    changed_files: files.length
  }
}
