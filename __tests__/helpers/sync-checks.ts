/**
 * One workflow run of the action, in-process, and the checks of the convergence property: what a
 * store must hold after a healthy run (the synced commit's docs, once each, current), after a
 * failed one (nothing it held lost), and always (content the action did not create untouched).
 * The store is read as each vendor keeps a doc (store-views.ts), never through the adapter.
 */
import { appendFile } from 'node:fs/promises'
import { join } from 'node:path'
import { getOctokit } from '@actions/github'
import { DEFAULT_WORKFLOW, GITHUB_EMULATOR_TOKEN } from '../../emulator/vendors/github/index.ts'
import type { FullEmulator } from '../../emulator/vendors/index.ts'
import { toRunContext } from '../../src/context.ts'
import { errorMessage } from '../../src/errors.ts'
import { memoryLog } from '../../src/log.ts'
import type { SyncReport } from '../../src/plan.ts'
import { runSync } from '../../src/run-sync.ts'
import { TokenCache } from '../../src/tokens.ts'
import { isDoc, trackedFiles } from './doc-tree.ts'
import { settingsFrom } from './fixtures.ts'
import { git, type TestRepo } from './git-repo.ts'
import { pushPayload, workflowDispatchPayload } from './payloads.ts'
import { REPOSITORY, type StoreReading, type StoreView } from './store-views.ts'

export const ZERO = '0'.repeat(40)
/** An event as the runner hands it to the action: what triggered the run and which commit it checks out. */
export interface SyncEvent {
  readonly name: 'push' | 'workflow_dispatch'
  readonly ref: string
  readonly sha: string
  readonly before?: string
  readonly forced?: boolean
  /** fetch-depth of the checkout: 1 leaves the push's base out of the clone, so the action reconciles everything. */
  readonly depth: number
}

export interface RunOutcome {
  readonly event: SyncEvent
  /** The workflow run (GITHUB_RUN_ID) the job belonged to. */
  readonly runId: number
  readonly workspace: string
  readonly report?: SyncReport
  /** A run-level failure (runSync threw). */
  readonly thrown?: string
  readonly log: readonly string[]
}

export function describeEvent(e: SyncEvent): string {
  const short = (sha: string) => sha.slice(0, 7)
  if (e.name === 'workflow_dispatch') return `workflow_dispatch on ${e.ref} at ${short(e.sha)}`
  return `push ${e.ref} ${short(e.before ?? ZERO)}..${short(e.sha)}${e.forced ? ' (forced)' : ''}, checkout depth ${e.depth}`
}

/**
 * GitHub's side of the runs of one repository's workflow: the Actions API (in the GitHub emulator)
 * that a push's run asks for the last successful run, whose commit its diff starts from, and the
 * runs recorded there as GitHub records them.
 */
export class Workflow {
  readonly repository: string
  readonly octokit: ReturnType<typeof getOctokit>
  readonly apiUrl: string
  private readonly emu: FullEmulator
  private nextRunId = 1
  /** A run's created_at: GitHub keeps it on a re-run, and lists runs by it. */
  private readonly created = new Map<number, string>()
  private clock = Date.parse('2025-01-01T00:00:00Z')

  constructor(emu: FullEmulator, repository = REPOSITORY) {
    this.emu = emu
    this.repository = repository
    this.apiUrl = `${emu.url}/github`
    this.octokit = getOctokit(GITHUB_EMULATOR_TOKEN, { baseUrl: this.apiUrl })
  }

  /** A new workflow run's id (GITHUB_RUN_ID); every job of one run (a matrix of shards) shares it. */
  newRun(): number {
    return this.nextRunId++
  }

  /** Records run `runId` for the event with GitHub's conclusion: success when every job of it succeeded. */
  record(runId: number, jobs: readonly RunOutcome[]): void {
    const event = jobs[0]!.event
    if (!this.created.has(runId)) {
      this.clock += 1000
      this.created.set(runId, new Date(this.clock).toISOString())
    }
    const success = jobs.every((j) => runProblems(j).length === 0)
    this.emu.vendor('github').seed({
      repo: this.repository,
      workflowRuns: [
        {
          id: runId,
          workflow: WORKFLOW_FILE,
          head_sha: event.sha,
          head_branch: event.ref.replace(/^refs\/(heads|tags)\//, ''),
          event: event.name,
          conclusion: success ? 'success' : 'failure',
          created_at: this.created.get(runId)!
        }
      ]
    })
  }

  /** One workflow run of one job: runs the sync for the event and records the run; `rerun` re-runs that run (same id). */
  async run(repo: TestRepo, event: SyncEvent, inputs: Record<string, string>, rerun?: number): Promise<RunOutcome> {
    const runId = rerun ?? this.newRun()
    const outcome = await syncEvent(this, repo, event, inputs, runId)
    this.record(runId, [outcome])
    return outcome
  }
}

/** The workflow file the runs belong to (GITHUB_WORKFLOW_REF names it; the Actions API lists its runs). */
const WORKFLOW_FILE = DEFAULT_WORKFLOW

/**
 * Checks the event's commit out as actions/checkout would and runs the sync on it, as one job of
 * workflow run `runId`, with a github-token for the GitHub emulator. Records nothing (Workflow.run does).
 */
export async function syncEvent(workflow: Workflow, repo: TestRepo, event: SyncEvent, inputs: Record<string, string>, runId: number): Promise<RunOutcome> {
  const [owner, name] = workflow.repository.split('/') as [string, string]
  const workspace = await checkout(repo, workflow.repository, event.sha, event.depth)
  const payload =
    event.name === 'push'
      ? pushPayload({ owner, name, before: event.before ?? ZERO, after: event.sha, ref: event.ref, forced: event.forced })
      : workflowDispatchPayload({ owner, name, ref: event.ref })
  const env = {
    GITHUB_WORKFLOW_REF: `${workflow.repository}/.github/workflows/${WORKFLOW_FILE}@${event.ref}`,
    GITHUB_WORKFLOW: 'Knowledge Sync',
    GITHUB_JOB: 'sync'
  }
  const run = toRunContext(
    {
      eventName: event.name,
      sha: event.sha,
      runId,
      payload,
      serverUrl: 'https://github.com',
      apiUrl: workflow.apiUrl,
      repo: { owner, repo: name }
    },
    workspace,
    env
  )
  const log = memoryLog()
  try {
    const settings = settingsFrom(inputs, event.name)
    const { report } = await runSync(settings, run, { log, octokit: workflow.octokit, group: (_name, fn) => fn(), tokenCache: new TokenCache() })
    return { event, runId, workspace, report, log: log.lines }
  } catch (error) {
    return { event, runId, workspace, thrown: errorMessage(error), log: log.lines }
  }
}

let checkouts = 0

/**
 * A clone of `sha` as actions/checkout makes it (fetch-depth `depth`, detached, `origin` naming the
 * repository on GitHub), in three git processes: a sequence makes a dozen of these, and starting
 * git is most of what a run costs here.
 */
async function checkout(repo: TestRepo, repository: string, sha: string, depth: number): Promise<string> {
  const dir = join(repo.root, `run-${++checkouts}`)
  await git(repo.root, 'init', '-q', dir)
  await appendFile(join(dir, '.git', 'config'), `[remote "origin"]\n\turl = https://github.com/${repository}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`)
  await git(dir, 'fetch', '-q', '--no-tags', `--depth=${depth}`, `file://${repo.origin}`, sha)
  await git(dir, 'checkout', '-q', '--detach', sha)
  return dir
}

/** Why a run that should have succeeded did not, if it did not. */
export function runProblems(outcome: RunOutcome): string[] {
  if (outcome.thrown) return [`the run failed: ${outcome.thrown}`]
  const report = outcome.report!
  return [
    ...report.errors.map((e) => `run error: ${e}`),
    ...report.items.filter((i) => i.outcome === 'failed').map((i) => `${i.path}: ${i.action} failed: ${i.detail ?? ''}`)
  ]
}

export interface ExpectedDoc {
  readonly path: string
  readonly content: Buffer
}

/**
 * Differences between what the store holds and `expected` (by key: remote-prefix + path). The
 * store may put something before every key (Telzino's `<owner/repo>/`, or any scheme that scopes
 * docs by repository); that part is read off the anchor doc. Keys in `tolerated` may be held or
 * not (docs the vendor skips, whose earlier copy the action leaves alone by design).
 */
export function storeDifferences(
  reading: StoreReading,
  expected: ReadonlyMap<string, ExpectedDoc>,
  anchorKey: string,
  tolerated: ReadonlySet<string> = new Set()
): string[] {
  const problems = [...reading.problems]
  const namespace = namespaceOf(reading, anchorKey)
  const seen = new Set<string>()
  for (const [key, doc] of expected) {
    const name = namespace + key
    const held = reading.held.get(name)
    seen.add(name)
    if (!held) {
      if (!tolerated.has(key)) problems.push(`missing: ${name} (${doc.content.length} bytes)`)
      continue
    }
    if (tolerated.has(key)) continue
    const diff = held.differs(doc.content, doc.path)
    if (diff) problems.push(`stale: ${name}: ${diff}`)
  }
  for (const name of reading.held.keys()) {
    if (!seen.has(name)) problems.push(`orphan: ${name} is in the store but not in the repository`)
  }
  return problems
}

/** What the store puts before every key, read off the anchor doc; '' when the anchor is missing (then it shows as missing). */
export function namespaceOf(reading: StoreReading, anchorKey: string): string {
  const anchors = [...reading.held.keys()].filter((n) => n.endsWith(anchorKey)).sort((a, b) => a.length - b.length)
  return anchors[0]?.slice(0, anchors[0].length - anchorKey.length) ?? ''
}

/**
 * After a failed run: every doc of the last synced commit that the new commit still has must be
 * in the store with its previous or its new content (a failed run never leaves the store with
 * less than it had). Extra copies are allowed here; the healthy run after it must remove them.
 */
export function lostByFailedRun(
  reading: StoreReading,
  view: StoreView,
  previous: ReadonlyMap<string, ExpectedDoc>,
  now: ReadonlyMap<string, ExpectedDoc>,
  anchorKey: string
): string[] {
  const namespace = namespaceOf(reading, anchorKey)
  const problems: string[] = []
  for (const [key, before] of previous) {
    const after = now.get(key)
    // A doc emptied since is no longer content: a failed run may already have removed it.
    if (!after || !view.takes(before.content, before.path) || !view.takes(after.content, after.path)) continue
    const held = reading.held.get(namespace + key)
    if (!held) problems.push(`lost by the failed run: ${namespace + key} was synced and is still in the repository, but is not in the store`)
    else if (!held.holds(before.content, before.path) && !(view.takes(after.content, after.path) && held.holds(after.content, after.path))) {
      problems.push(`damaged by the failed run: ${namespace + key} holds neither its previous nor its new content`)
    }
  }
  return problems
}

/** The docs of a checkout the store should hold, by key; and the ones the vendor skips. */
export async function expectedDocs(
  workspace: string,
  view: StoreView,
  opts: { remotePrefix?: string; under?: string } = {}
): Promise<{ expected: Map<string, ExpectedDoc>; skipped: Set<string> }> {
  const expected = new Map<string, ExpectedDoc>()
  const skipped = new Set<string>()
  const files = await trackedFiles(workspace)
  for (const [path, content] of files) {
    if (!isDoc(path) || (opts.under && !path.startsWith(opts.under))) continue
    const key = (opts.remotePrefix ?? '') + path
    expected.set(key, { path, content })
    if (!view.takes(content, path)) skipped.add(key)
  }
  return { expected, skipped }
}

/** Changes of content the action did not create, against the fingerprints taken before the runs. */
export function untouchedProblems(view: StoreView, before: ReadonlyMap<string, string>): string[] {
  const now = view.fingerprints()
  const problems: string[] = []
  for (const [id, print] of before) {
    const current = now.get(id)
    if (current === undefined) problems.push(`content the action did not create was deleted: ${print}`)
    else if (current !== print) problems.push(`content the action did not create was changed: ${print} → ${current}`)
  }
  return problems
}
