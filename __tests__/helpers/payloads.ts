/**
 * GitHub's own webhook payload examples (@octokit/webhooks-examples), patched with the commits,
 * repository and PR numbers of the test at hand, so the action reads real payload shapes.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
interface WebhookDoc {
  name: string
  examples: Array<Record<string, unknown>>
}
const all = require('@octokit/webhooks-examples/api.github.com/index.json') as WebhookDoc[]

type Json = Record<string, any>

/** A deep copy of GitHub's example payload for `event` (optionally with `action`). */
export function examplePayload(event: string, action?: string): Json {
  const doc = all.find((d) => d.name === event)
  if (!doc) throw new Error(`no webhook example for ${event}`)
  const example = action ? doc.examples.find((e) => e.action === action) : doc.examples[0]
  if (!example) throw new Error(`no webhook example for ${event}.${action}`)
  return structuredClone(example) as Json
}

export interface RepoRef {
  owner: string
  name: string
}

function patchRepository(payload: Json, repo: RepoRef): void {
  const full = `${repo.owner}/${repo.name}`
  payload.repository = { ...payload.repository, name: repo.name, full_name: full, owner: { ...payload.repository?.owner, login: repo.owner } }
}

/** A push event: `before` → `after` on `ref`. `forced` marks a force push. */
export function pushPayload(
  opts: RepoRef & { before: string; after: string; ref?: string; forced?: boolean; commits?: Array<{ id: string; message?: string }> }
): Json {
  const p = examplePayload('push')
  patchRepository(p, opts)
  p.ref = opts.ref ?? 'refs/heads/main'
  p.before = opts.before
  p.after = opts.after
  p.created = /^0+$/.test(opts.before)
  p.forced = opts.forced ?? false
  p.compare = `https://github.com/${opts.owner}/${opts.name}/compare/${opts.before.slice(0, 12)}...${opts.after.slice(0, 12)}`
  p.commits = (opts.commits ?? [{ id: opts.after }]).map((c) => ({
    id: c.id,
    message: c.message ?? 'docs',
    distinct: true,
    added: [],
    removed: [],
    modified: []
  }))
  p.head_commit = p.commits.at(-1) ?? null
  return p
}

/** A pull_request event (opened by default) for PR `number` from `head` onto `base`. */
export function pullRequestPayload(
  opts: RepoRef & {
    number: number
    action?: string
    headSha: string
    baseSha: string
    title?: string
    body?: string
    /** `owner/name` the head branch lives in; differs from the base repo for forks. */
    headRepo?: string
    changedFiles?: number
  }
): Json {
  const p = examplePayload('pull_request', opts.action ?? 'opened')
  patchRepository(p, opts)
  const full = `${opts.owner}/${opts.name}`
  const headFull = opts.headRepo ?? full
  const pr = p.pull_request
  pr.number = opts.number
  p.number = opts.number
  pr.title = opts.title ?? 'Update docs'
  pr.body = opts.body ?? ''
  pr.head = {
    ...pr.head,
    sha: opts.headSha,
    ref: 'docs-change',
    repo: { ...pr.head.repo, full_name: headFull, name: headFull.split('/')[1], owner: { login: headFull.split('/')[0] }, fork: headFull !== full }
  }
  pr.base = { ...pr.base, sha: opts.baseSha, ref: 'main', repo: { ...pr.base.repo, full_name: full, name: opts.name, owner: { login: opts.owner } } }
  if (opts.changedFiles !== undefined) pr.changed_files = opts.changedFiles
  return p
}

/** Who wrote a review or review comment: GitHub's example author (OWNER) unless a test says otherwise. */
interface Reviewer {
  /** `author_association` as GitHub sets it (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE…). */
  association?: string
  reviewer?: { login: string; type?: 'User' | 'Bot' }
}

function patchAuthor(target: Json, who: Reviewer): void {
  if (who.association !== undefined) target.author_association = who.association
  if (who.reviewer) target.user = { ...target.user, login: who.reviewer.login, type: who.reviewer.type ?? 'User', id: 9_000_001 }
}

/** A pull_request_review event (submitted) with the review body. */
export function pullRequestReviewPayload(
  opts: RepoRef & Reviewer & { number: number; headSha: string; baseSha: string; reviewBody: string; title?: string; body?: string; headRepo?: string }
): Json {
  const p = examplePayload('pull_request_review', 'submitted')
  const pr = pullRequestPayload({ ...opts, action: 'opened' })
  patchRepository(p, opts)
  p.pull_request = { ...p.pull_request, ...pr.pull_request }
  p.review = { ...p.review, body: opts.reviewBody, state: 'commented' }
  patchAuthor(p.review, opts)
  return p
}

/** A pull_request_review_comment event (created): a comment on a line of the diff. */
export function pullRequestReviewCommentPayload(
  opts: RepoRef & Reviewer & { number: number; headSha: string; baseSha: string; commentBody: string; headRepo?: string }
): Json {
  const p = examplePayload('pull_request_review_comment', 'created')
  const pr = pullRequestPayload({ ...opts, action: 'opened' })
  patchRepository(p, opts)
  p.pull_request = { ...p.pull_request, ...pr.pull_request }
  p.comment = { ...p.comment, body: opts.commentBody }
  patchAuthor(p.comment, opts)
  return p
}

/** A workflow_dispatch event. */
export function workflowDispatchPayload(opts: RepoRef & { ref?: string }): Json {
  const p = examplePayload('workflow_dispatch')
  patchRepository(p, opts)
  p.ref = opts.ref ?? 'refs/heads/main'
  return p
}
