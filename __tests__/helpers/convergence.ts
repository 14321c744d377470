/**
 * The convergence property, run as a random sequence of repository events against one emulated
 * store: commits that add, modify, rename, swap and delete docs, force pushes, new branches,
 * re-runs, full syncs, and runs where injected faults fail some writes (each followed by a
 * healthy run). After every healthy run the store must hold exactly the docs of the commit that
 * run synced, with their current content, once each, and the content the action did not create
 * must be as it was. Each run is `runSync` in-process with the real adapters over loopback HTTP.
 * A sequence is drawn from its seed alone, so a failure names the seed that replays it.
 */
import { expect } from 'vitest'
import type { FaultSpec } from '../../emulator/framework.ts'
import type { FullEmulator } from '../../emulator/vendors/index.ts'
import { toRunContext } from '../../src/context.ts'
import { errorMessage } from '../../src/errors.ts'
import { memoryLog } from '../../src/log.ts'
import type { SyncReport } from '../../src/plan.ts'
import { runSync } from '../../src/run-sync.ts'
import { TokenCache } from '../../src/tokens.ts'
import { ANCHOR, DOC_GLOBS, applyEdit, describeEdit, initialFiles, isDoc, randomEdit, trackedFiles, type Files } from './doc-tree.ts'
import { settingsFrom } from './fixtures.ts'
import { git, makeRepo, type TestRepo } from './git-repo.ts'
import { pushPayload, workflowDispatchPayload } from './payloads.ts'
import { Prng } from './prng.ts'
import { REPOSITORY, storeView, type StoreReading, type StoreView, type SyncVendor } from './store-views.ts'

const ZERO = '0'.repeat(40)

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

/** Checks the event's commit out as actions/checkout would and runs the sync on it, as one workflow run. */
export async function syncEvent(repo: TestRepo, event: SyncEvent, inputs: Record<string, string>, repository = REPOSITORY): Promise<RunOutcome> {
  const [owner, name] = repository.split('/') as [string, string]
  const workspace = await repo.checkout(event.sha, event.depth)
  const payload =
    event.name === 'push'
      ? pushPayload({ owner, name, before: event.before ?? ZERO, after: event.sha, ref: event.ref, forced: event.forced })
      : workflowDispatchPayload({ owner, name, ref: event.ref })
  const run = toRunContext({ eventName: event.name, sha: event.sha, payload, serverUrl: 'https://github.com', apiUrl: 'https://api.github.com', repo: { owner, repo: name } }, workspace)
  const log = memoryLog()
  try {
    const settings = settingsFrom(inputs, event.name)
    const { report } = await runSync(settings, run, { log, octokit: undefined, group: (_name, fn) => fn(), tokenCache: new TokenCache() })
    return { event, workspace, report, log: log.lines }
  } catch (error) {
    return { event, workspace, thrown: errorMessage(error), log: log.lines }
  }
}

/** Why a run that should have succeeded did not, if it did not. */
export function runProblems(outcome: RunOutcome): string[] {
  if (outcome.thrown) return [`the run failed: ${outcome.thrown}`]
  const report = outcome.report!
  return [...report.errors.map((e) => `run error: ${e}`), ...report.items.filter((i) => i.outcome === 'failed').map((i) => `${i.path}: ${i.action} failed: ${i.detail ?? ''}`)]
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
export function storeDifferences(reading: StoreReading, expected: ReadonlyMap<string, ExpectedDoc>, anchorKey: string, tolerated: ReadonlySet<string> = new Set()): string[] {
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
export function lostByFailedRun(reading: StoreReading, view: StoreView, previous: ReadonlyMap<string, ExpectedDoc>, now: ReadonlyMap<string, ExpectedDoc>, anchorKey: string): string[] {
  const namespace = namespaceOf(reading, anchorKey)
  const problems: string[] = []
  for (const [key, before] of previous) {
    const after = now.get(key)
    if (!after || !view.takes(before.content, before.path)) continue
    const held = reading.held.get(namespace + key)
    if (!held) problems.push(`lost by the failed run: ${namespace + key} was synced and is still in the repository, but is not in the store`)
    else if (!held.holds(before.content, before.path) && !(view.takes(after.content, after.path) && held.holds(after.content, after.path))) {
      problems.push(`damaged by the failed run: ${namespace + key} holds neither its previous nor its new content`)
    }
  }
  return problems
}

/** The docs of a checkout the store should hold, by key; and the ones the vendor skips. */
export async function expectedDocs(workspace: string, view: StoreView, opts: { remotePrefix?: string; under?: string } = {}): Promise<{ expected: Map<string, ExpectedDoc>; skipped: Set<string> }> {
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

export interface SequenceOptions {
  readonly emu: FullEmulator
  readonly vendor: SyncVendor
  readonly seed: number
  /** Sync another repository into the store first; its docs must survive every run of ours. */
  readonly otherRepository: boolean
  /** Also draw cases with known, reported gaps (see the test file): stricter checks and events today's action does not heal. */
  readonly knownGaps: boolean
}

/** Write routes per vendor that a fault may fail (`METHOD pattern` as the emulator registers them). */
const WRITE_ROUTES: Record<SyncVendor, string[]> = {
  stackspot: [
    'POST /stackspot/v2/file-upload/form',
    'POST /stackspot/s3/:bucket',
    'POST /stackspot/v1/file-upload/:id/knowledge-objects',
    'POST /stackspot/v1/knowledge-sources/:slug/objects/batch',
    'DELETE /stackspot/v1/knowledge-sources/:slug/objects/:objectId',
    'DELETE /stackspot/v1/knowledge-sources/:slug/objects'
  ],
  staffify: ['POST /staffify/v1/knowledge-bases/:kbId/entries', 'DELETE /staffify/v1/knowledge-bases/:kbId/entries/:entryId'],
  telzino: [
    'POST /telzino/v1/knowledge-bases/:kb/sources',
    'PUT /telzino/s3/:id',
    'POST /telzino/v1/knowledge-sources/:id/enqueue',
    'DELETE /telzino/v1/knowledge-sources/:id'
  ],
  castrel: ['POST /castrel/personal/v1/knowledge/upsert', 'POST /castrel/personal/v1/knowledge/update', 'POST /castrel/personal/v1/knowledge/create']
}

/** Vendor-side failures the emulators know by name (a processing job that ends in error, Castrel's error envelope). */
const VENDOR_FAULTS: Record<SyncVendor, Array<Pick<FaultSpec, 'name' | 'match'> & { perDoc?: boolean }>> = {
  stackspot: [{ name: 'stackspot-processing-error', perDoc: true }],
  staffify: [],
  telzino: [
    { name: 'telzino-job-fail', perDoc: true },
    { name: 'telzino-put-fail', perDoc: true }
  ],
  castrel: [
    { name: 'castrel-error-envelope', match: 'upsert' },
    { name: 'castrel-error-envelope', match: 'update' }
  ]
}

/**
 * One to three faults on this vendor's writes: 5xx answers, dropped connections, failed
 * processing. A processing failure mostly hits one doc (`match` on its path): when every doc of
 * a StackSpot zip fails, the adapter waits a whole processing-timeout before it goes per-file.
 */
function drawFaults(rng: Prng, vendor: SyncVendor, docs: readonly string[]): FaultSpec[] {
  const faults: FaultSpec[] = []
  const count = rng.int(1, 3)
  for (let i = 0; i < count; i++) {
    // The same draws for every vendor, so a seed gives every vendor the same kinds of steps.
    const named = VENDOR_FAULTS[vendor]
    // Idempotent writes are retried up to 5 times: 8 uses outlast the retries, 1–2 are absorbed by them.
    const times = rng.pick([1, 2, 3, 8])
    const vendorFault = rng.chance(0.3)
    const pick = rng.next()
    const route = rng.pick(WRITE_ROUTES[vendor])
    const reset = rng.chance(0.2)
    const status = rng.pick([500, 502, 503])
    const oneDoc = rng.chance(0.7) && docs.length > 0 ? docs[Math.floor(rng.next() * docs.length)] : undefined
    if (vendorFault && named.length > 0) {
      const { perDoc, ...fault } = named[Math.floor(pick * named.length)]!
      faults.push(perDoc ? (oneDoc ? { kind: 'vendor', ...fault, match: oneDoc, times } : { kind: 'vendor', ...fault, times: 1 }) : { kind: 'vendor', ...fault, times })
    } else faults.push(reset ? { kind: 'reset', route, times } : { kind: 'status', route, status, times })
  }
  return faults
}

const STEP_WEIGHTS = { push: 6, 'force-push': 2, branch: 2, rerun: 1, dispatch: 1, faulty: 3 } as const

/** One random sequence from `seed`; throws with the seed, the step and every difference when the property breaks. */
export async function runSequence(o: SequenceOptions): Promise<{ steps: string[] }> {
  const sequence = new Sequence(o)
  try {
    await sequence.run()
  } finally {
    await sequence.cleanup()
  }
  return { steps: sequence.steps }
}

class Sequence {
  readonly steps: string[] = []
  private readonly o: SequenceOptions
  private readonly rng: Prng
  private readonly view: StoreView
  private readonly repos: TestRepo[] = []
  private repo!: TestRepo
  private files: Files = new Map()
  private inputs: Record<string, string> = {}
  /** Ids of the items the action did not create (by hand, or another repository's), and their fingerprints. */
  private readonly others = new Set<string>()
  private untouched = new Map<string, string>()
  private last: SyncEvent | undefined
  /** The docs of the commit the last healthy run synced, which the store then held. */
  private synced = new Map<string, ExpectedDoc>()
  private branches = 0
  private readonly started = Date.now()

  constructor(o: SequenceOptions) {
    this.o = o
    this.rng = new Prng(o.seed)
    this.view = storeView(o.emu, o.vendor)
  }

  async run(): Promise<void> {
    const { emu, vendor } = this.o
    const rng = this.rng
    emu.reset()
    emu.ctx.processingMs = rng.pick([0, 0, 5, 30])
    const concurrency = rng.pick(['1', '4', '8'])
    const strategy = rng.pick(['auto', 'auto', 'zip', 'per-file'])
    this.inputs = this.view.inputs({
      paths: DOC_GLOBS,
      'max-deletions': '1000',
      // The shortest allowed: vendor processing here takes at most 30 ms, and a doc whose processing
      // fails keeps a StackSpot zip waiting until this timeout.
      'processing-timeout': '10',
      concurrency,
      ...(vendor === 'stackspot' ? { 'upload-strategy': strategy } : {})
    })
    this.note(`store seeded by hand; processing ${emu.ctx.processingMs} ms, concurrency ${concurrency}${vendor === 'stackspot' ? `, upload-strategy ${strategy}` : ''}`)
    // Only some sequences have an unattributed StackSpot object, so runs with and without auto-delete are both drawn.
    this.view.seedByHand({ unattributed: rng.chance(0.3) })
    for (const id of this.view.fingerprints().keys()) this.others.add(id)
    if (this.o.otherRepository) await this.syncOtherRepository()
    this.untouched = this.view.fingerprints()

    this.repo = await makeRepo(Object.fromEntries(initialFiles(rng)))
    this.repos.push(this.repo)
    this.files = await trackedFiles(this.repo.work)
    const first = await this.repo.push()
    await this.healthy(`first push creates main with ${[...this.files.keys()].filter(isDoc).length} docs`, { name: 'push', ref: 'refs/heads/main', before: first.before, sha: first.after, depth: 1 })

    const count = rng.int(5, 9)
    for (let i = 0; i < count; i++) {
      const kind = rng.weighted(STEP_WEIGHTS)
      if (kind === 'push') await this.push()
      else if (kind === 'force-push') await this.forcePush()
      else if (kind === 'branch') await this.branch()
      else if (kind === 'rerun') await this.healthy('re-run of the same event', this.last!)
      else if (kind === 'dispatch') await this.healthy('full sync', await this.dispatchEvent())
      else await this.faulty()
    }
  }

  async cleanup(): Promise<void> {
    for (const r of this.repos) await r.cleanup()
  }

  private note(step: string): void {
    this.steps.push(step)
    if (process.env.KS_CONVERGENCE_VERBOSE === '1') console.log(`[${this.o.vendor} seed ${this.o.seed}] ${((Date.now() - this.started) / 1000).toFixed(1)} s: ${step}`)
  }

  /** Another repository's docs in the same store, one of them at a path ours also has. */
  private async syncOtherRepository(): Promise<void> {
    const other = await makeRepo({
      'docs/index.md': '# Handbook index\n\nAnother repository, same path.\n',
      'docs/index-copy.md': '# Index\n\nThe repository docs start here.\n',
      'docs/policies/leave.md': '# Leave\n\nTwenty-five days.\n'
    })
    this.repos.push(other)
    const { after } = await other.push()
    const outcome = await syncEvent(other, { name: 'workflow_dispatch', ref: 'refs/heads/main', sha: after, depth: 1 }, this.inputs, 'octo/handbook')
    this.note('another repository (octo/handbook) synced 3 docs into the store')
    const problems = runProblems(outcome)
    if (problems.length > 0) this.fail(problems, outcome)
    for (const id of this.view.fingerprints().keys()) this.others.add(id)
  }

  /** A few random edits, committed. */
  private async commit(): Promise<string[]> {
    const edits: string[] = []
    const n = this.rng.int(1, 4)
    for (let i = 0; i < n; i++) {
      const edit = randomEdit(this.rng, this.files)
      await applyEdit(this.repo, this.files, edit)
      edits.push(describeEdit(edit))
    }
    await this.repo.commit(edits.join('; '))
    return edits
  }

  private async commits(): Promise<{ count: number; edits: string[] }> {
    const count = this.rng.int(1, 3)
    const edits: string[] = []
    for (let c = 0; c < count; c++) edits.push(...(await this.commit()))
    return { count, edits }
  }

  private async pushEvent(): Promise<{ event: SyncEvent; what: string }> {
    const { count, edits } = await this.commits()
    const { before, after } = await this.repo.push()
    // Depth 1 leaves `before` out of the clone: with no github-token the action reconciles everything.
    const depth = this.rng.chance(0.25) ? 1 : count + 1
    return { event: { name: 'push', ref: 'refs/heads/main', before, sha: after, depth }, what: `push of ${count} commit(s) [${edits.join('; ')}]` }
  }

  private async dispatchEvent(): Promise<SyncEvent> {
    return { name: 'workflow_dispatch', ref: 'refs/heads/main', sha: await this.repo.head(), depth: 1 }
  }

  private async push(): Promise<void> {
    const { event, what } = await this.pushEvent()
    await this.healthy(what, event)
  }

  /** History rewritten: main reset to an earlier commit, new commits on top, pushed with --force. */
  private async forcePush(): Promise<void> {
    const history = (await git(this.repo.work, 'rev-list', '--first-parent', 'HEAD')).split('\n')
    if (history.length < 2) return this.push()
    const back = this.rng.int(1, Math.min(3, history.length - 1))
    await git(this.repo.work, 'reset', '-q', '--hard', history[back]!)
    this.files = await trackedFiles(this.repo.work)
    const { count, edits } = await this.commits()
    const { before, after } = await this.repo.push({ force: true })
    const depth = this.rng.chance(0.5) ? 1 : count + 1
    await this.healthy(`force push: main reset ${back} commit(s) back, then ${count} commit(s) [${edits.join('; ')}]`, { name: 'push', ref: 'refs/heads/main', before, sha: after, forced: true, depth })
  }

  /** A new branch pushed (the store follows it: a first push reconciles), then fast-forwarded into main. */
  private async branch(): Promise<void> {
    const name = `feature-${++this.branches}`
    await git(this.repo.work, 'checkout', '-q', '-b', name)
    const { count, edits } = await this.commits()
    await git(this.repo.work, 'push', '-q', 'origin', `HEAD:refs/heads/${name}`)
    const sha = await this.repo.head()
    await this.healthy(`new branch ${name} pushed with ${count} commit(s) [${edits.join('; ')}]`, { name: 'push', ref: `refs/heads/${name}`, before: ZERO, sha, depth: 1 })
    await git(this.repo.work, 'checkout', '-q', 'main')
    await git(this.repo.work, 'merge', '-q', '--ff-only', name)
    const { before, after } = await this.repo.push()
    await this.healthy(`${name} fast-forwarded into main`, { name: 'push', ref: 'refs/heads/main', before, sha: after, depth: count + 1 })
  }

  /** A run whose writes partly fail, then the run that heals it. */
  private async faulty(): Promise<void> {
    const { emu } = this.o
    const { event, what } = this.rng.chance(0.7) ? await this.pushEvent() : { event: await this.dispatchEvent(), what: 'full sync' }
    const faults = drawFaults(this.rng, this.o.vendor, [...this.files.keys()].filter(isDoc).sort())
    for (const f of faults) emu.faults.add(f)
    this.note(`${what}, with faults ${JSON.stringify(faults)}: ${describeEvent(event)}`)
    const outcome = await syncEvent(this.repo, event, this.inputs)
    emu.faults.clear()
    const { expected } = await expectedDocs(outcome.workspace, this.view)
    const hurt = [...lostByFailedRun(this.view.read(this.others), this.view, this.synced, expected, ANCHOR.path), ...untouchedProblems(this.view, this.untouched)]
    if (hurt.length > 0) this.fail(hurt, outcome)
    this.last = event
    const heal = this.rng.weighted({ rerun: 3, dispatch: 1, 'next-push': 2 })
    if (heal === 'next-push' && this.o.knownGaps) {
      // Issue 12 §3: the next successful run must bring the store to its commit, the failed push's changes included.
      const next = await this.pushEvent()
      await this.healthy(`next push after the failed run: ${next.what}`, next.event)
    } else if (heal === 'dispatch') {
      await this.healthy('full sync after the failed run', await this.dispatchEvent())
    } else {
      await this.healthy('re-run of the failed run', event)
    }
  }

  /** Runs the event with no faults and checks the property. */
  private async healthy(what: string, event: SyncEvent): Promise<void> {
    this.note(`${what}: ${describeEvent(event)}`)
    const outcome = await syncEvent(this.repo, event, this.inputs)
    this.last = event
    const { expected, skipped } = await expectedDocs(outcome.workspace, this.view)
    // Strict: a doc the vendor skips must be gone from the store too (see the test file for why that is a known gap).
    const tolerated = this.o.knownGaps ? new Set<string>() : skipped
    for (const key of this.o.knownGaps ? skipped : []) expected.delete(key)
    const problems = [
      ...runProblems(outcome),
      ...storeDifferences(this.view.read(this.others), expected, ANCHOR.path, tolerated),
      ...untouchedProblems(this.view, this.untouched)
    ]
    if (problems.length > 0) this.fail(problems, outcome)
    this.synced = expected
  }

  private fail(problems: readonly string[], outcome: RunOutcome): never {
    const { vendor, seed, knownGaps, otherRepository } = this.o
    const env = [`KS_CONVERGENCE_SEED=${seed}`, ...(knownGaps ? ['KS_CONVERGENCE_KNOWN_GAPS=1'] : []), ...(otherRepository ? ['KS_CONVERGENCE_OTHER_REPOSITORY=1'] : [])]
    const report = outcome.report
    const message = [
      `Convergence broke for ${vendor}, seed ${seed}, at step ${this.steps.length - 1}.`,
      `Replay: ${env.join(' ')} npx vitest run __tests__/emulator/convergence.test.ts -t "${vendor} converges"`,
      'Steps:',
      ...this.steps.map((s, i) => `  ${i}. ${s}`),
      'Problems:',
      ...problems.map((p) => `  - ${p}`),
      ...(report ? ['Report:', `  ${report.scope}: ${report.scopeReason}`, ...report.items.map((i) => `  ${i.path}: ${i.action} → ${i.outcome}${i.detail ? ` (${i.detail})` : ''}`)] : []),
      'Log (last 40 lines):',
      ...outcome.log.slice(-40).map((l) => `  ${l}`)
    ].join('\n')
    expect.fail(message)
  }
}
