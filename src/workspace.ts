/**
 * The workspace must be a checkout of the repository the event names before anything is synced
 * from it: a doc missing from the workspace reads as deleted, so a job that forgot
 * actions/checkout (an empty workspace) or checked out another repository would have its full
 * reconcile delete every synced doc.
 */
import { stat } from 'node:fs/promises'
import type { RunContext } from './context.js'
import { ActionError } from './errors.js'
import { git, gitMissing } from './git.js'
import type { Log } from './log.js'

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/i
const CHECKOUT_STEP = '`- uses: actions/checkout@v5`'
const SUBFOLDER =
  'A checkout into a subfolder (actions/checkout with `path:`) would need `paths` under that folder; it is not supported, ' +
  'because the action must know the workspace is the repository before it may delete anything.'

/** Throws an ActionError naming the fix unless the workspace is a git work tree of `run.repository`. */
export async function checkWorkspace(run: RunContext, log: Log): Promise<void> {
  const nothingDone = 'Nothing was read from it and nothing in the store was changed.'
  const isDirectory = await stat(run.workspace).then(
    (s) => s.isDirectory(),
    () => false
  )
  // Both at once: git starts slowly on a busy runner, and this runs before every sync.
  const [inside, origin] = isDirectory
    ? await Promise.all([git(run.workspace, ['rev-parse', '--is-inside-work-tree']), git(run.workspace, ['remote', 'get-url', 'origin'])])
    : []
  if (inside && gitMissing(inside)) {
    throw new ActionError(
      `git is not installed on this runner, so the action cannot check that the workspace is a checkout of ${run.repository}. ${nothingDone}`,
      `Install git before ${CHECKOUT_STEP}: without git, actions/checkout downloads the files without .git.`
    )
  }
  if (inside && !inside.ok && /dubious ownership/i.test(inside.error)) {
    throw new ActionError(
      `git refuses to read the workspace ${run.workspace} (dubious ownership: it belongs to another user), so the action cannot check that it is a checkout of ${run.repository}. ${nothingDone}`,
      `Run \`git config --global --add safe.directory "$GITHUB_WORKSPACE"\` in a step before this one, or keep actions/checkout's default \`set-safe-directory: true\`.`
    )
  }
  if (!inside?.ok || inside.stdout.trim() !== 'true') {
    throw new ActionError(
      `The workspace ${run.workspace} is not a git checkout (no .git): every synced doc would look deleted from ${run.repository}. ${nothingDone}`,
      `Add ${CHECKOUT_STEP} to the job before this step. ${SUBFOLDER}`
    )
  }

  const originRepo = origin?.ok ? repositoryOf(origin.stdout.trim()) : undefined
  const sameRepo = originRepo !== undefined && originRepo.toLowerCase() === run.repository.toLowerCase()
  if (sameRepo) return
  const commit = run.eventSha
  const hasCommit = SHA.test(commit) && (await git(run.workspace, ['cat-file', '-e', `${commit}^{commit}`])).ok
  if (hasCommit) return
  if (originRepo === undefined) {
    log.warning(
      `The workspace has no \`origin\` remote naming a repository and does not hold commit ${short(commit)} that this run is for, so it may not be a checkout of ${run.repository}. Syncing what it holds.`
    )
    return
  }
  throw new ActionError(
    `The workspace is a clone of ${originRepo}, not of ${run.repository}, and does not hold commit ${short(commit)} that this run is for: ` +
      `syncing it would replace ${run.repository}'s docs with another repository's and delete the rest. ${nothingDone}`,
    `Check out ${run.repository} in this job: ${CHECKOUT_STEP} without \`repository:\` (or with \`repository: ${run.repository}\`). ${SUBFOLDER}`
  )
}

/**
 * `owner/name` from a remote URL: https (`https://github.com/o/r.git`), ssh (`ssh://git@host/o/r`),
 * scp-like (`git@github.com:o/r.git`) or a local path; the last two path segments. Never the
 * URL itself, which may carry a credential.
 */
export function repositoryOf(url: string): string | undefined {
  let path: string
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      path = new URL(url).pathname
    } catch {
      return undefined
    }
  } else {
    const scp = /^[^/:]+@[^/:]+:(.*)$/.exec(url)
    path = scp ? scp[1]! : url
  }
  const parts = path
    .replace(/\\/g, '/')
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .split('/')
    .filter((p) => p !== '')
  if (parts.length < 2) return undefined
  return parts.slice(-2).map(decodeSegment).join('/')
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

function short(sha: string): string {
  return SHA.test(sha) ? sha.slice(0, 7) : `"${sha}"`
}
