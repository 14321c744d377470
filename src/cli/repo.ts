/**
 * What the command line knows from git alone, instead of a workflow event: the workspace (the
 * clone's top level), the commit synced (HEAD), whose docs they are (the `origin` remote's
 * owner/name, unless `--namespace` says otherwise) and, with `--since`, the diff.
 */
import type { ChangeSet } from '../changes/types.js'
import { localDiff } from '../changes/detect.js'
import type { RunContext } from '../context.js'
import { git, gitMissing } from '../git.js'
import type { Log } from '../log.js'
import { repositoryOf } from '../workspace.js'
import { UsageError } from './usage.js'

export interface RepoFacts {
  /** The clone's top level: `paths` are relative to it, as to GITHUB_WORKSPACE in the action. */
  readonly workspace: string
  readonly head: string
  /** `owner/name` from the `origin` remote, when it names one. */
  readonly origin?: string
}

/** Undefined when `cwd` is not inside a git work tree; a UsageError when git cannot be run. */
export async function repoFacts(cwd: string): Promise<RepoFacts | undefined> {
  const top = await git(cwd, ['rev-parse', '--show-toplevel'])
  if (gitMissing(top)) throw new UsageError('git is not installed (or cannot be run here): the command line finds the docs and their changes with git.')
  if (!top.ok) return undefined
  const workspace = top.stdout.trim()
  const [head, origin] = await Promise.all([git(workspace, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']), git(workspace, ['remote', 'get-url', 'origin'])])
  if (!head.ok) throw new UsageError(`The repository at ${workspace} has no commit yet: commit the docs first, then sync.`)
  return { workspace, head: head.stdout.trim(), origin: origin.ok ? repositoryOf(origin.stdout.trim()) : undefined }
}

/** The commit `ref` names, as a full id; a UsageError naming `--since` when there is none. */
export async function resolveCommit(workspace: string, ref: string): Promise<string> {
  // `--end-of-options` keeps a ref that starts with `-` from being read as an option.
  const r = ref.startsWith('-') ? undefined : await git(workspace, ['rev-parse', '--verify', '-q', '--end-of-options', `${ref}^{commit}`])
  if (!r?.ok) {
    throw new UsageError(
      `\`--since ${ref}\` names no commit in this clone. Give a commit, tag or branch the store was last synced from (e.g. \`--since origin/main\` or \`--since HEAD~1\`); a shallow clone may need \`git fetch --deepen\`.`
    )
  }
  return r.stdout.trim()
}

/** The diff base..head from the clone's own history: exact, since both commits are local. */
export function changesSince(workspace: string, since: string, base: string, head: string, log: Log): () => Promise<ChangeSet> {
  return async () => {
    const range = `${base.slice(0, 7)}..${head.slice(0, 7)}`
    const diff = await localDiff(workspace, base, head)
    if (!diff.ok) {
      log.debug(diff.gitError)
      throw new Error(`git cannot diff ${range} (--since ${since}): ${diff.why}`)
    }
    return { kind: 'diff', changes: diff.changes, source: `--since ${since} (${range}, git)` }
  }
}

/**
 * The run as the pipeline sees it. `repository` is who owns the docs in the store: the origin's
 * owner/name, or the namespace when no remote names one (the workspace check then only asks for a
 * git work tree, which the command line always runs in).
 */
export function cliRunContext(facts: RepoFacts | undefined, cwd: string, namespace: string): RunContext {
  const repository = facts?.origin ?? namespace
  const [owner = repository, ...rest] = repository.split('/')
  return {
    eventName: 'cli',
    owner,
    repo: rest.join('/') || owner,
    repository,
    sha: facts?.head ?? '',
    eventSha: facts?.head ?? '',
    workspace: facts?.workspace ?? cwd,
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    payload: {}
  }
}
