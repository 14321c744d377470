/**
 * The GitHub REST emulator held to docs.github.com/rest shapes: Link-header pagination, the compare
 * API's 300-file cap, the pull request files' 3,000-file cap, issue comments, 401/403 answers.
 * Octokit (as @actions/github builds it) is used where the action uses it, raw fetch where the
 * exact wire shape matters.
 */
import { getOctokit } from '@actions/github'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { GITHUB_EMULATOR_TOKEN, createGithubEmulator, type GithubEmulator, type GithubSeed, type GithubSeeded } from '../../emulator/vendors/github/index.ts'

const REPO = 'octo/docs'
const BOT = 'ghs_bot_token'
const HUMAN = 'ghp_human_token'
const READONLY = 'ghs_readonly_token'

let emu: RunningEmulator<GithubEmulator>
let api: string
beforeAll(async () => {
  emu = await startEmulator({ vendors: [createGithubEmulator()] })
  api = `${emu.url}/github`
})
afterAll(() => emu.close())
beforeEach(async () => {
  emu.reset()
  await seed({
    repo: REPO,
    tokens: {
      [BOT]: { login: 'github-actions[bot]', type: 'Bot', id: 41898282 },
      [HUMAN]: { login: 'alice', type: 'User', id: 1001 },
      [READONLY]: { login: 'github-actions[bot]', type: 'Bot', id: 41898282, readOnly: true }
    }
  })
})

async function seed(body: GithubSeed): Promise<GithubSeeded> {
  const r = await fetch(`${emu.url}/_emulator/seed/github`, { method: 'POST', body: JSON.stringify(body) })
  expect(r.status).toBe(200)
  return (await r.json()) as GithubSeeded
}

async function call(method: string, path: string, opts: { token?: string | null; scheme?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json' }
  const token = opts.token === undefined ? BOT : opts.token
  if (token) headers.authorization = `${opts.scheme ?? 'token'} ${token}`
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${api}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : undefined }
}

const octokit = (token = BOT) => getOctokit(token, { baseUrl: api })
const files = (n: number, prefix = 'docs/f') => Array.from({ length: n }, (_, i) => ({ filename: `${prefix}${i}.md`, status: 'modified' }))

/** Parses `<url>; rel="x", …` into {rel: url}. */
function links(header: string | null): Record<string, URL> {
  const out: Record<string, URL> = {}
  for (const part of (header ?? '').split(',')) {
    const m = /<([^>]+)>;\s*rel="(\w+)"/.exec(part.trim())
    if (m) out[m[2]!] = new URL(m[1]!)
  }
  return out
}

describe('GitHub emulator: auth', () => {
  it('accepts `token X` and `Bearer X`, answers 401 Bad credentials for unknown tokens', async () => {
    await seed({ repo: REPO, pulls: [{ number: 1, head: { sha: 'a'.repeat(40) }, base: { sha: 'b'.repeat(40) } }] })
    expect((await call('GET', `/repos/${REPO}/pulls/1`, { scheme: 'token' })).status).toBe(200)
    expect((await call('GET', `/repos/${REPO}/pulls/1`, { scheme: 'Bearer' })).status).toBe(200)
    const bad = await call('GET', `/repos/${REPO}/pulls/1`, { token: 'ghs_nope' })
    expect(bad.status).toBe(401)
    expect(bad.body.message).toBe('Bad credentials')
    expect(bad.body.documentation_url).toMatch(/^https:\/\/docs\.github\.com\//)
  })

  it('GET /user: 403 Resource not accessible by integration for a Bot token, the user for a user token, 401 without one', async () => {
    const bot = await call('GET', '/user')
    expect(bot.status).toBe(403)
    expect(bot.body.message).toBe('Resource not accessible by integration')
    const human = await call('GET', '/user', { token: HUMAN })
    expect(human.status).toBe(200)
    expect(human.body).toMatchObject({ login: 'alice', id: 1001, type: 'User' })
    expect((await call('GET', '/user', { token: null })).status).toBe(401)
  })

  it('knows the default GITHUB_TOKEN identity after a reset', async () => {
    await seed({ repo: REPO, issues: [3] })
    const r = await call('POST', `/repos/${REPO}/issues/3/comments`, { token: GITHUB_EMULATOR_TOKEN, body: { body: 'hi' } })
    expect(r.status).toBe(201)
    expect(r.body.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot', id: 41898282 })
  })

  it('private repos are 404 without a token; unknown repos are 404', async () => {
    await seed({ repo: 'octo/secret', private: true, issues: [1] })
    expect((await call('GET', '/repos/octo/secret/issues/1/comments', { token: null })).status).toBe(404)
    expect((await call('GET', '/repos/octo/secret/issues/1/comments')).status).toBe(200)
    const missing = await call('GET', '/repos/octo/nothing/pulls/1')
    expect(missing.status).toBe(404)
    expect(missing.body.message).toBe('Not Found')
  })

  it('a token without pull-requests access gets 403 on the pull endpoints', async () => {
    await seed({
      repo: REPO,
      pulls: [{ number: 2, head: { sha: 'a'.repeat(40) }, base: { sha: 'b'.repeat(40) }, files: files(1) }],
      tokens: { ghs_nopr: { login: 'github-actions[bot]', type: 'Bot', permissions: { pull_requests: 'none' } } }
    })
    const r = await call('GET', `/repos/${REPO}/pulls/2/files`, { token: 'ghs_nopr' })
    expect(r.status).toBe(403)
    expect(r.body.message).toBe('Resource not accessible by integration')
  })
})

describe('GitHub emulator: compare', () => {
  const base = '1'.repeat(40)
  const head = '2'.repeat(40)

  it('answers the GitHub shape, with short shas accepted, and 404 for an unseeded comparison', async () => {
    await seed({
      repo: REPO,
      compares: [
        {
          base,
          head,
          status: 'ahead',
          commits: [{ sha: head }],
          files: [
            { filename: 'docs/new name.md', status: 'renamed', previous_filename: 'docs/old.md' },
            { filename: 'docs/gone.md', status: 'removed' }
          ]
        }
      ]
    })
    const r = await call('GET', `/repos/${REPO}/compare/${base.slice(0, 7)}...${head}`)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ status: 'ahead', ahead_by: 1, behind_by: 0, total_commits: 1, base_commit: { sha: base }, merge_base_commit: { sha: base } })
    expect(r.body.files).toEqual([
      expect.objectContaining({
        filename: 'docs/new name.md',
        status: 'renamed',
        previous_filename: 'docs/old.md',
        sha: expect.any(String),
        blob_url: expect.any(String)
      }),
      expect.objectContaining({ filename: 'docs/gone.md', status: 'removed' })
    ])
    expect(r.body.files[1]).not.toHaveProperty('previous_filename')
    const unknown = await call('GET', `/repos/${REPO}/compare/${'3'.repeat(40)}...${head}`)
    expect(unknown.status).toBe(404)
    expect(unknown.body.message).toBe('Not Found')
  })

  it('lists at most 300 files, only on the first page of commits', async () => {
    await seed({ repo: REPO, compares: [{ base, head, commits: Array.from({ length: 5 }, (_, i) => ({ sha: String(i).repeat(40) })), files: files(301) }] })
    const { data } = await octokit().rest.repos.compareCommitsWithBasehead({ owner: 'octo', repo: 'docs', basehead: `${base}...${head}` })
    expect(data.files).toHaveLength(300)
    expect(data.commits).toHaveLength(5)
    const page2 = await call('GET', `/repos/${REPO}/compare/${base}...${head}?per_page=2&page=2`)
    expect(page2.body.commits).toHaveLength(2)
    expect(page2.body).not.toHaveProperty('files')
    expect(Object.keys(links(page2.headers.get('link'))).sort()).toEqual(['first', 'last', 'next', 'prev'])
  })

  it('reports diverged comparisons as GitHub does', async () => {
    await seed({ repo: REPO, compares: [{ base, head, status: 'diverged', files: [] }] })
    const r = await call('GET', `/repos/${REPO}/compare/${base}...${head}`)
    expect(r.body.status).toBe('diverged')
    expect(r.body.behind_by).toBeGreaterThan(0)
    expect(r.body.merge_base_commit.sha).not.toBe(base)
  })
})

describe('GitHub emulator: pull requests', () => {
  const pull = (number: number, n: number) => ({
    number,
    title: `PR ${number}`,
    body: 'Body',
    head: { sha: 'a'.repeat(40), repo: 'fork/docs' },
    base: { sha: 'b'.repeat(40) },
    files: files(n)
  })

  it('GET a pull request in GitHub shape, changed_files counting every file', async () => {
    await seed({ repo: REPO, pulls: [pull(7, 3500)] })
    const r = await call('GET', `/repos/${REPO}/pulls/7`)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({
      number: 7,
      title: 'PR 7',
      body: 'Body',
      state: 'open',
      changed_files: 3500,
      head: { sha: 'a'.repeat(40), repo: { full_name: 'fork/docs', fork: true } },
      base: { sha: 'b'.repeat(40), repo: { full_name: REPO } }
    })
    expect((await call('GET', `/repos/${REPO}/pulls/8`)).status).toBe(404)
  })

  it('paginates files with Link headers: 30 by default, per_page capped at 100', async () => {
    await seed({ repo: REPO, pulls: [pull(1, 250)] })
    const first = await call('GET', `/repos/${REPO}/pulls/1/files`)
    expect(first.body).toHaveLength(30)
    const l = links(first.headers.get('link'))
    expect(l.next?.searchParams.get('page')).toBe('2')
    expect(l.last?.searchParams.get('page')).toBe('9')
    expect(l.prev).toBeUndefined()
    const big = await call('GET', `/repos/${REPO}/pulls/1/files?per_page=500`)
    expect(big.body).toHaveLength(100)
    const last = await call('GET', `/repos/${REPO}/pulls/1/files?per_page=100&page=3`)
    expect(last.body).toHaveLength(50)
    expect(last.body[0].filename).toBe('docs/f200.md')
    const lastLinks = links(last.headers.get('link'))
    expect(lastLinks.next).toBeUndefined()
    expect(lastLinks.prev?.searchParams.get('page')).toBe('2')
    expect((await call('GET', `/repos/${REPO}/pulls/1/files?per_page=100&page=4`)).body).toEqual([])
  })

  it('lists at most 3,000 files through octokit.paginate', async () => {
    await seed({ repo: REPO, pulls: [pull(2, 3001)] })
    const o = octokit()
    const all = await o.paginate(o.rest.pulls.listFiles, { owner: 'octo', repo: 'docs', pull_number: 2, per_page: 100 })
    expect(all).toHaveLength(3000)
    expect(all.at(-1)?.filename).toBe('docs/f2999.md')
  })
})

describe('GitHub emulator: workflow runs', () => {
  const runs = (...list: NonNullable<GithubSeed['workflowRuns']>) => seed({ repo: REPO, workflowRuns: list })

  it("lists a workflow's runs newest first by file name or id, with GitHub's branch, event and status filters", async () => {
    await runs(
      { id: 11, head_sha: 'a'.repeat(40) },
      { id: 12, head_sha: 'b'.repeat(40), conclusion: 'failure' },
      { id: 13, head_sha: 'c'.repeat(40), head_branch: 'dev' },
      { id: 14, head_sha: 'd'.repeat(40), event: 'workflow_dispatch' },
      { id: 15, head_sha: 'e'.repeat(40), status: 'in_progress' },
      { id: 16, head_sha: 'f'.repeat(40), workflow: 'other.yml' }
    )
    const all = await call('GET', `/repos/${REPO}/actions/workflows/knowledge-sync.yml/runs`)
    expect(all.status).toBe(200)
    expect(all.body.workflow_runs.map((r: any) => r.id)).toEqual([15, 14, 13, 12, 11])
    expect(all.body.total_count).toBe(5)
    const { data } = await octokit().rest.actions.listWorkflowRuns({
      owner: 'octo',
      repo: 'docs',
      workflow_id: all.body.workflow_runs[0].workflow_id,
      branch: 'main',
      event: 'push',
      status: 'success',
      per_page: 20
    })
    expect(data.workflow_runs.map((r) => [r.id, r.head_sha, r.status, r.conclusion])).toEqual([[11, 'a'.repeat(40), 'completed', 'success']])
    const one = await octokit().rest.actions.getWorkflowRun({ owner: 'octo', repo: 'docs', run_id: 15 })
    expect(one.data).toMatchObject({
      id: 15,
      status: 'in_progress',
      conclusion: null,
      path: '.github/workflows/knowledge-sync.yml',
      workflow_id: data.workflow_runs[0]!.workflow_id
    })
  })

  it('answers 404 for an unknown workflow or run, and 403 to a token without `actions` access', async () => {
    await runs({ id: 21, head_sha: 'a'.repeat(40) })
    expect((await call('GET', `/repos/${REPO}/actions/workflows/nope.yml/runs`)).status).toBe(404)
    expect((await call('GET', `/repos/${REPO}/actions/runs/999`)).status).toBe(404)
    await seed({ tokens: { ghs_no_actions: { login: 'github-actions[bot]', type: 'Bot', permissions: { actions: 'none' } } } })
    const refused = await call('GET', `/repos/${REPO}/actions/workflows/knowledge-sync.yml/runs`, { token: 'ghs_no_actions' })
    expect(refused.status).toBe(403)
    expect(refused.body.message).toBe('Resource not accessible by integration')
    expect(emu.vendor('github').state().repos[REPO]!.workflowRuns).toEqual([
      { id: 21, workflow: 'knowledge-sync.yml', head_sha: 'a'.repeat(40), head_branch: 'main', event: 'push', status: 'completed', conclusion: 'success' }
    ])
  })
})

describe('GitHub emulator: issue comments', () => {
  beforeEach(() => seed({ repo: REPO, pulls: [{ number: 12, head: { sha: 'a'.repeat(40) }, base: { sha: 'b'.repeat(40) } }] }))

  it('creates (201), lists, updates and deletes comments, recording the token identity as author', async () => {
    await seed({ repo: REPO, comments: [{ issue: 12, body: 'Looks good to me', user: 'alice' }] })
    const created = await call('POST', `/repos/${REPO}/issues/12/comments`, { body: { body: '<!-- ks -->\nAnswer' } })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ body: '<!-- ks -->\nAnswer', user: { login: 'github-actions[bot]', type: 'Bot' } })
    expect(created.body.html_url).toBe(`https://github.com/${REPO}/pull/12#issuecomment-${created.body.id}`)
    expect(created.headers.get('location')).toBe(created.body.url)

    const o = octokit()
    const list = await o.paginate(o.rest.issues.listComments, { owner: 'octo', repo: 'docs', issue_number: 12, per_page: 100 })
    expect(list.map((c) => [c.user?.login, c.body])).toEqual([
      ['alice', 'Looks good to me'],
      ['github-actions[bot]', '<!-- ks -->\nAnswer']
    ])

    const updated = await o.rest.issues.updateComment({ owner: 'octo', repo: 'docs', comment_id: created.body.id, body: '<!-- ks -->\nNew answer' })
    expect(updated.status).toBe(200)
    expect(updated.data.body).toBe('<!-- ks -->\nNew answer')
    expect(updated.data.id).toBe(created.body.id)
    expect(Date.parse(updated.data.updated_at)).toBeGreaterThan(Date.parse(updated.data.created_at))

    const state = emu.vendor('github').state()
    expect(state.comments[`${REPO}#12`]!.map((c) => c.body)).toEqual(['Looks good to me', '<!-- ks -->\nNew answer'])

    expect((await call('DELETE', `/repos/${REPO}/issues/comments/${created.body.id}`)).status).toBe(204)
    expect((await call('GET', `/repos/${REPO}/issues/comments/${created.body.id}`)).status).toBe(404)
  })

  it('paginates comments with Link headers', async () => {
    await seed({ repo: REPO, comments: Array.from({ length: 35 }, (_, i) => ({ issue: 12, body: `c${i}`, user: 'bob' })) })
    const first = await call('GET', `/repos/${REPO}/issues/12/comments`)
    expect(first.body).toHaveLength(30)
    expect(links(first.headers.get('link')).next?.searchParams.get('page')).toBe('2')
    const second = await call('GET', `/repos/${REPO}/issues/12/comments?page=2`)
    expect(second.body.map((c: any) => c.body)).toEqual(['c30', 'c31', 'c32', 'c33', 'c34'])
  })

  it('read-only tokens get 403 on writes; no token gets 401; a bad body gets 422', async () => {
    const ro = await call('POST', `/repos/${REPO}/issues/12/comments`, { token: READONLY, body: { body: 'x' } })
    expect(ro.status).toBe(403)
    expect(ro.body.message).toBe('Resource not accessible by integration')
    expect((await call('GET', `/repos/${REPO}/issues/12/comments`, { token: READONLY })).status).toBe(200)
    const [id] = (await seed({ repo: REPO, comments: [{ issue: 12, body: 'mine', user: 'alice' }] })).comments
    expect((await call('PATCH', `/repos/${REPO}/issues/comments/${id}`, { token: READONLY, body: { body: 'y' } })).status).toBe(403)
    expect((await call('POST', `/repos/${REPO}/issues/12/comments`, { token: null, body: { body: 'x' } })).status).toBe(401)
    expect((await call('POST', `/repos/${REPO}/issues/12/comments`, { body: {} })).status).toBe(422)
    const long = await call('POST', `/repos/${REPO}/issues/12/comments`, { body: { body: 'x'.repeat(65_537) } })
    expect(long.status).toBe(422)
    expect(long.body.errors[0].message).toMatch(/maximum is 65536/)
    expect((await call('POST', `/repos/${REPO}/issues/99/comments`, { body: { body: 'x' } })).status).toBe(404)
    expect(
      emu
        .vendor('github')
        .state()
        .comments[`${REPO}#12`]!.map((c) => c.body)
    ).toEqual(['mine'])
  })

  it('reset() clears comments, pulls and seeded tokens', async () => {
    await call('POST', `/repos/${REPO}/issues/12/comments`, { body: { body: 'x' } })
    emu.reset()
    const s = emu.vendor('github').state()
    expect(s.comments).toEqual({})
    expect(s.repos).toEqual({})
    expect((await call('GET', '/user', { token: HUMAN })).status).toBe(401)
  })
})
