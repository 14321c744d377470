/** Issue comments (the sticky PR comment): list, create, get, update and delete. */
import type { EmuRequest, Router } from '../../framework.ts'
import { api, findRepo, ghError, identityUser, requireCommentWrite, requireScope } from './auth.ts'
import { paginate } from './shapes.ts'
import { BASE, DOCS, type Comment, type GithubStore, type RepoState } from './state.ts'

const COMMENT_MAX_CHARS = 65_536

export function registerCommentRoutes(router: Router, store: GithubStore): void {
  router.add(
    'GET',
    `${BASE}/repos/:owner/:repo/issues/:number/comments`,
    api(store, (req, caller) => {
      const doc = `${DOCS}/issues/comments#list-issue-comments`
      const r = findRepo(store, req, caller)
      requireScope(caller, 'issues', false, doc)
      const n = Number(req.params.number)
      if (!store.issueExists(r, n)) throw ghError(404, 'Not Found', doc)
      const since = req.url.searchParams.get('since')
      const list = store.comments.filter((c) => c.repo === r.fullName && c.issue === n && (!since || c.updated_at >= new Date(since).toISOString()))
      const { page, headers } = paginate(store, req, list)
      return { status: 200, headers, json: page.map((c) => store.commentJson(c)) }
    })
  )

  router.add(
    'POST',
    `${BASE}/repos/:owner/:repo/issues/:number/comments`,
    api(store, (req, caller) => {
      const doc = `${DOCS}/issues/comments#create-an-issue-comment`
      const r = findRepo(store, req, caller)
      const n = Number(req.params.number)
      requireCommentWrite(caller, r, n, doc)
      if (!store.issueExists(r, n)) throw ghError(404, 'Not Found', doc)
      const body = commentBody(req, doc)
      const t = new Date().toISOString()
      const c: Comment = { id: store.nextComment++, repo: r.fullName, issue: n, body, user: identityUser(caller.identity!), created_at: t, updated_at: t }
      store.comments.push(c)
      const json = store.commentJson(c)
      return { status: 201, headers: { location: json.url }, json }
    })
  )

  router.add(
    'GET',
    `${BASE}/repos/:owner/:repo/issues/comments/:id`,
    api(store, (req, caller) => {
      const r = findRepo(store, req, caller)
      requireScope(caller, 'issues', false, `${DOCS}/issues/comments#get-an-issue-comment`)
      return { status: 200, json: store.commentJson(findComment(store, r, req.params.id)) }
    })
  )

  router.add(
    'PATCH',
    `${BASE}/repos/:owner/:repo/issues/comments/:id`,
    api(store, (req, caller) => {
      const doc = `${DOCS}/issues/comments#update-an-issue-comment`
      const r = findRepo(store, req, caller)
      const c = findComment(store, r, req.params.id)
      requireCommentWrite(caller, r, c.issue, doc)
      c.body = commentBody(req, doc)
      c.updated_at = new Date(Math.max(Date.now(), Date.parse(c.updated_at) + 1)).toISOString()
      return { status: 200, json: store.commentJson(c) }
    })
  )

  router.add(
    'DELETE',
    `${BASE}/repos/:owner/:repo/issues/comments/:id`,
    api(store, (req, caller) => {
      const doc = `${DOCS}/issues/comments#delete-an-issue-comment`
      const r = findRepo(store, req, caller)
      const c = findComment(store, r, req.params.id)
      requireCommentWrite(caller, r, c.issue, doc)
      store.comments = store.comments.filter((x) => x !== c)
      return { status: 204 }
    })
  )
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

function findComment(store: GithubStore, r: RepoState, id: string | undefined): Comment {
  const c = store.comments.find((x) => String(x.id) === id && x.repo === r.fullName)
  if (!c) throw ghError(404, 'Not Found')
  return c
}
