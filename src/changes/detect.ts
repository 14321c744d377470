/**
 * Change detection: which files the triggering event changed, or why every doc must be
 * reconciled instead. docs/change-detection.md explains the choices to users.
 *
 * A diff is only returned when it is exact. The action's store reflects the last synced commit,
 * so a diff that misses a file would leave a stale or orphaned doc behind for good; a full
 * reconcile only costs a listing (unchanged docs are skipped by digest). Whenever the diff base
 * is in doubt, `auto` reconciles everything and says why; `changed` fails and says why.
 */
import type { getOctokit } from '@actions/github'
import type { RunContext } from '../context.js'
import { ActionError, errorMessage } from '../errors.js'
import { git } from '../git.js'
import type { Log } from '../log.js'
import { lastSyncedCommit } from './last-synced.js'
import type { ChangeSet, ChangeStatus, FileChange } from './types.js'

export interface DetectInput {
  run: RunContext
  mode: 'auto' | 'changed' | 'full'
  octokit: ReturnType<typeof getOctokit> | undefined
  log: Log
}

/** GitHub's caps: the compare API lists at most 300 files, a pull request's file list 3,000. */
export const COMPARE_FILE_CAP = 300
export const PULL_FILES_CAP = 3000

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment'])
const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/i
const ZERO = /^0+$/

/** Either an exact diff, or the reason no exact diff can be had. */
type Outcome =
  | Extract<ChangeSet, { kind: 'diff' }>
  | { kind: 'untrusted'; reason: string /** The base is a descendant of the head (compare status `behind`). */; behind?: boolean }

export async function detectChanges(input: DetectInput): Promise<ChangeSet> {
  const { run, mode } = input
  if (mode === 'full') return { kind: 'full', reason: 'mode is `full`' }
  const outcome = await diffForEvent(input)
  if (outcome.kind === 'diff') return outcome
  if (mode === 'changed') {
    throw new ActionError(
      `Cannot list the files this ${run.eventName} event changed, and mode is \`changed\`: ${outcome.reason}.`,
      'Use mode `auto` to reconcile every doc when the diff cannot be trusted, or mode `full`.'
    )
  }
  return { kind: 'full', reason: outcome.reason }
}

async function diffForEvent(input: DetectInput): Promise<Outcome> {
  const { run } = input
  if (run.eventName === 'push') return pushDiff(input)
  if (PULL_REQUEST_EVENTS.has(run.eventName)) return pullRequestDiff(input)
  return { kind: 'untrusted', reason: `${run.eventName} events carry no list of changed files` }
}

// ---- push --------------------------------------------------------------------------------

async function pushDiff({ run, octokit, log }: DetectInput): Promise<Outcome> {
  const payload = run.payload
  const before = String(payload.before ?? '')
  const after = String(payload.after ?? run.sha ?? '')
  const ref = String(payload.ref ?? 'the branch')
  if (!SHA.test(before) || !SHA.test(after)) return { kind: 'untrusted', reason: 'the push event names no before/after commits' }
  if (ZERO.test(before)) return { kind: 'untrusted', reason: `the push created ${ref} (a new branch or tag has no earlier commit to diff against)` }
  if (ZERO.test(after)) return { kind: 'untrusted', reason: `the push deleted ${ref}` }
  // After a force push the old head may not be an ancestor of the new one, and the commits it
  // replaced may have been synced: only a tree-to-tree diff would be exact, and the compare API
  // (the only source with fetch-depth 1) diffs from the common ancestor instead. Reconcile.
  if (payload.forced === true)
    return {
      kind: 'untrusted',
      reason: `force push to ${ref}: the history before ${short(after)} was rewritten, so ${short(before)} is not a trustworthy diff base`
    }
  if (before.toLowerCase() === after.toLowerCase()) return { kind: 'diff', changes: [], source: `push ${short(before)}..${short(after)} (no new commits)` }

  // The store reflects the last commit a successful run synced, which is `before` only when the
  // previous push's run succeeded.
  const branch = ref.replace(/^refs\/(heads|tags)\//, '')
  // Usually the last synced commit is `before`: the git diff of before..after runs while the
  // Actions API is asked, and is used only when the answer confirms that base.
  const diffFromBefore = localDiff(run.workspace, before, after)
  diffFromBefore.catch(() => undefined)
  const synced = await lastSyncedCommit({ run, octokit, branch, log })
  if (synced.kind === 'unknown') {
    const grant = synced.reason.includes('actions: read') ? '' : '; with a github-token and `permissions: actions: read` pushes are diffed from it'
    return { kind: 'untrusted', reason: `cannot tell which commit the last successful run of this workflow synced (${synced.reason})${grant}` }
  }
  if (synced.kind === 'full-sync-failed')
    return {
      kind: 'untrusted',
      reason: `run ${synced.runId} (${synced.event}), a full sync of ${branch} after the last successful push run, ended ${synced.conclusion}; it may have changed docs outside this push's diff`
    }
  if (synced.kind === 'none')
    return { kind: 'untrusted', reason: `no run of this workflow on ${branch} has succeeded yet, so nothing says which commit the store reflects` }
  const base = synced.sha
  if (base.toLowerCase() === after.toLowerCase())
    return { kind: 'diff', changes: [], source: `push ${short(before)}..${short(after)} (run ${synced.runId} already synced ${short(after)})` }
  if (base.toLowerCase() === before.toLowerCase()) return diffPush(run, octokit, before, after, log, '', diffFromBefore)
  log.info(
    `The run for ${short(before)} did not succeed; syncing from ${short(base)}, the last commit a successful run synced ` +
      '(a push whose run failed, was cancelled or never started leaves its changes to the next run).'
  )
  // A re-run of an older push's run, after a later push's run succeeded: the store already holds
  // a later state of the branch, which a full reconcile of this older commit would undo.
  const alreadyLater: Outcome = {
    kind: 'diff',
    changes: [],
    source: `push ${short(before)}..${short(after)} (run ${synced.runId} already synced the later ${short(base)})`
  }
  const ancestry = await isAncestor(run.workspace, base, after)
  if (ancestry === false) {
    if ((await isAncestor(run.workspace, after, base)) === true) return alreadyLater
    return {
      kind: 'untrusted',
      reason: `${short(base)}, the last commit a successful run synced, is not an ancestor of ${short(after)}, so history was rewritten`
    }
  }
  const outcome = await diffPush(run, octokit, base, after, log, ', from the last synced commit')
  return outcome.kind === 'untrusted' && outcome.behind ? alreadyLater : outcome
}

/** base..after with local git when the clone has both commits, else the compare API (which checks ancestry itself). */
async function diffPush(
  run: RunContext,
  octokit: DetectInput['octokit'],
  base: string,
  after: string,
  log: Log,
  note: string,
  started?: Promise<LocalResult>
): Promise<Outcome> {
  const range = `${short(base)}..${short(after)}`
  const local = await (started ?? localDiff(run.workspace, base, after))
  if (local.ok) return { kind: 'diff', changes: local.changes, source: `push ${range} (git${note})` }
  log.debug(local.gitError)
  log.debug(`Local git cannot diff ${range}: ${local.why}`)

  if (!octokit) {
    return {
      kind: 'untrusted',
      reason: `${short(base)} is not in the checked-out clone (${local.why}) and without a github-token the compare API cannot be asked`
    }
  }
  const compared = await compareDiff(run, octokit, base, after, log)
  return compared.kind === 'diff' && note ? { ...compared, source: compared.source.replace(/\)$/, `${note})`) } : compared
}

/** Whether `base` is an ancestor of `after` in the local clone; undefined when the clone cannot tell (a commit missing). */
async function isAncestor(workspace: string, base: string, after: string): Promise<boolean | undefined> {
  for (const sha of [base, after]) if (!(await git(workspace, ['cat-file', '-e', `${sha}^{commit}`])).ok) return undefined
  const result = await git(workspace, ['merge-base', '--is-ancestor', base, after])
  if (result.ok) return true
  return result.code === 1 ? false : undefined
}

async function compareDiff(run: RunContext, octokit: NonNullable<DetectInput['octokit']>, before: string, after: string, log: Log): Promise<Outcome> {
  const range = `${short(before)}..${short(after)}`
  let data: Awaited<ReturnType<typeof octokit.rest.repos.compareCommitsWithBasehead>>['data']
  try {
    // No per_page/page: the file list is independent of commit pagination and only on page 1.
    ;({ data } = await octokit.rest.repos.compareCommitsWithBasehead({ owner: run.owner, repo: run.repo, basehead: `${before}...${after}` }))
  } catch (error) {
    const status = httpStatus(error)
    log.debug(`compare ${range} failed: ${errorMessage(error)}`)
    if (status === 404)
      return { kind: 'untrusted', reason: `GitHub does not know ${short(before)} (force-pushed away, or not in ${run.repository}), so there is no diff base` }
    const hint = status === 403 || status === 401 ? '; the token needs `contents: read`' : ''
    return { kind: 'untrusted', reason: `the compare API failed for ${range} (${status ? `HTTP ${status}` : errorMessage(error)})${hint}` }
  }
  if (data.status === 'behind' || data.status === 'diverged') {
    return {
      kind: 'untrusted',
      reason: `${short(before)} is not an ancestor of ${short(after)} (compare status: ${data.status}), so history was rewritten`,
      behind: data.status === 'behind'
    }
  }
  // A push that was not forced is a fast-forward, so a missing status is read as `ahead`.
  const status = data.status as string | undefined
  if (status !== undefined && status !== 'ahead' && status !== 'identical')
    return { kind: 'untrusted', reason: `the compare API answered an unknown status "${status}"` }
  const files = data.files
  if (files === undefined && status !== 'identical') return { kind: 'untrusted', reason: `the compare API listed no files for ${range}` }
  if ((files?.length ?? 0) >= COMPARE_FILE_CAP) {
    return {
      kind: 'untrusted',
      reason: `the push changed ${COMPARE_FILE_CAP} or more files, more than GitHub's compare API lists (check out with fetch-depth: 0 for an exact local diff)`
    }
  }
  const changes = (files ?? []).flatMap((f) => githubFileChange(f))
  return { kind: 'diff', changes, source: `push ${range} (compare API)` }
}

// ---- pull requests ----------------------------------------------------------------------

async function pullRequestDiff({ run, octokit, log }: DetectInput): Promise<Outcome> {
  const pr = run.pullRequest
  if (!pr || !Number.isInteger(pr.number) || pr.number <= 0) return { kind: 'untrusted', reason: `the ${run.eventName} event names no pull request` }
  if (!octokit) return { kind: 'untrusted', reason: `listing the files of pull request #${pr.number} needs the GitHub API, and github-token is empty` }
  const declared = run.payload.pull_request?.changed_files
  if (typeof declared === 'number' && declared > PULL_FILES_CAP) return tooManyPullFiles(pr.number, declared)

  let files: GithubFile[]
  try {
    files = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: run.owner, repo: run.repo, pull_number: pr.number, per_page: 100 })
  } catch (error) {
    const status = httpStatus(error)
    log.debug(`listing files of #${pr.number} failed: ${errorMessage(error)}`)
    const hint = status === 403 || status === 401 || status === 404 ? '; the token needs `pull-requests: read`' : ''
    return {
      kind: 'untrusted',
      reason: `GitHub did not list the files of pull request #${pr.number} (${status ? `HTTP ${status}` : errorMessage(error)})${hint}`
    }
  }
  if (files.length > PULL_FILES_CAP) return tooManyPullFiles(pr.number, files.length)
  if (files.length === PULL_FILES_CAP) {
    // GitHub stops at 3,000 without saying so: only the pull request's own count tells whether that is all.
    let total = typeof declared === 'number' ? declared : undefined
    if (total === undefined || total > PULL_FILES_CAP) {
      try {
        total = (await octokit.rest.pulls.get({ owner: run.owner, repo: run.repo, pull_number: pr.number })).data.changed_files
      } catch (error) {
        log.debug(`reading #${pr.number} failed: ${errorMessage(error)}`)
        total = undefined
      }
    }
    if (total === undefined || total > PULL_FILES_CAP) return tooManyPullFiles(pr.number, total)
  }
  const changes = files.flatMap((f) => githubFileChange(f))
  return { kind: 'diff', changes, source: `pull request #${pr.number} (${files.length} ${files.length === 1 ? 'file' : 'files'})` }
}

function tooManyPullFiles(number: number, count: number | undefined): Outcome {
  const n = count === undefined ? `at least ${PULL_FILES_CAP}` : String(count)
  return { kind: 'untrusted', reason: `pull request #${number} changes ${n} files; GitHub lists at most ${PULL_FILES_CAP}` }
}

// ---- GitHub file entries ----------------------------------------------------------------

interface GithubFile {
  filename: string
  status: string
  previous_filename?: string
}

/**
 * GitHub's statuses onto ours. `copied` is a new file at `filename`; `changed` (mode or type
 * change) and `unchanged` are treated as modified: re-reading a file is harmless, since an
 * unchanged digest means no upload.
 */
export function githubFileChange(f: GithubFile): FileChange[] {
  switch (f.status) {
    case 'added':
    case 'copied':
      return [{ path: f.filename, status: 'added' }]
    case 'removed':
      return [{ path: f.filename, status: 'removed' }]
    case 'renamed':
      return f.previous_filename ? [{ path: f.filename, status: 'renamed', previousPath: f.previous_filename }] : [{ path: f.filename, status: 'added' }]
    default:
      return [{ path: f.filename, status: 'modified' }]
  }
}

// ---- local git --------------------------------------------------------------------------

/** A failed diff says why in words, and carries git's own message for the debug log. */
export type LocalResult = { ok: true; changes: FileChange[] } | { ok: false; why: string; gitError: string }

/**
 * `git diff` between the two trees. Tree-to-tree needs neither history nor a merge base, so it
 * works in any clone holding both commits (fetch-depth 2 for a one-commit push, 0 for any).
 */
export async function localDiff(workspace: string, before: string, after: string): Promise<LocalResult> {
  const out = await git(workspace, [
    '-c',
    'core.quotepath=false',
    'diff',
    '--no-color',
    '--no-ext-diff',
    '--no-relative',
    '--name-status',
    '-z',
    '-M',
    before,
    after,
    '--'
  ])
  if (out.ok) return { ok: true, changes: parseNameStatus(out.stdout) }
  const gitError = out.error
  // Only a failed diff needs to know why; asking first cost two more git processes on every push.
  for (const sha of [before, after]) {
    const present = await git(workspace, ['cat-file', '-e', `${sha}^{tree}`])
    if (!present.ok) {
      if (present.error.includes('ENOENT')) return { ok: false, why: 'git is not installed', gitError }
      if (/not a git repository/i.test(present.error)) return { ok: false, why: 'the workspace is not a git repository', gitError }
      return { ok: false, why: `commit ${short(sha)} is not in the clone`, gitError }
    }
  }
  return { ok: false, why: 'git diff failed', gitError }
}

/** Parses `git diff --name-status -z`: `S\0path\0`, or `R###\0old\0new\0` for renames and copies. */
export function parseNameStatus(raw: string): FileChange[] {
  const parts = raw.split('\0')
  const changes: FileChange[] = []
  for (let i = 0; i < parts.length; ) {
    const code = parts[i++]
    if (!code) continue
    const letter = code[0]
    if (letter === 'R' || letter === 'C') {
      const from = parts[i++]
      const to = parts[i++]
      if (from === undefined || to === undefined) break
      changes.push(letter === 'R' ? { path: to, status: 'renamed', previousPath: from } : { path: to, status: 'added' })
      continue
    }
    const path = parts[i++]
    if (path === undefined) break
    const status: ChangeStatus = letter === 'A' ? 'added' : letter === 'D' ? 'removed' : 'modified'
    changes.push({ path, status })
  }
  return changes
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}

function short(sha: string): string {
  return sha.slice(0, 7)
}
