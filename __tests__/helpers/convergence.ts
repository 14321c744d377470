/**
 * The convergence property, run as a random sequence of repository events against one emulated
 * store: commits that add, modify, rename, swap and delete docs, force pushes, new branches,
 * re-runs, full syncs, and runs where injected faults fail some writes (each followed by a
 * healthy run). After every healthy run the store must hold exactly the docs of the commit that
 * run synced, with their current content, once each, and the content the action did not create
 * must be as it was (sync-checks.ts). A sequence is drawn from its seed alone, so a failure names
 * the seed that replays it.
 */
import { expect } from 'vitest'
import { clearSecrets } from '../../src/secrets.ts'
import type { FaultSpec } from '../../emulator/framework.ts'
import type { FullEmulator } from '../../emulator/vendors/index.ts'
import { ANCHOR, DOC_GLOBS, applyEdit, describeEdit, initialFiles, isDoc, randomEdit, trackedFiles, type Files } from './doc-tree.ts'
import { git, makeRepo, type TestRepo } from './git-repo.ts'
import { Prng } from './prng.ts'
import { storeView, type StoreView, type SyncVendor } from './store-views.ts'
import {
  ZERO,
  describeEvent,
  expectedDocs,
  lostByFailedRun,
  runProblems,
  storeDifferences,
  untouchedProblems,
  Workflow,
  type ExpectedDoc,
  type RunOutcome,
  type SyncEvent
} from './sync-checks.ts'

export interface SequenceOptions {
  readonly emu: FullEmulator
  readonly vendor: SyncVendor
  readonly seed: number
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
      faults.push(
        perDoc ? (oneDoc ? { kind: 'vendor', ...fault, match: oneDoc, times } : { kind: 'vendor', ...fault, times: 1 }) : { kind: 'vendor', ...fault, times }
      )
    } else faults.push(reset ? { kind: 'reset', route, times } : { kind: 'status', route, status, times })
  }
  return faults
}

const STEP_WEIGHTS = { push: 6, 'force-push': 2, branch: 2, rerun: 1, dispatch: 1, faulty: 3 } as const

/** One random sequence from `seed`; throws with the seed, the step and every difference when the property breaks. */
export async function runSequence(o: SequenceOptions): Promise<{ steps: string[] }> {
  // Every run registers the tokens it gets, and an action's process ends with its run; hundreds of runs in
  // one test process would make each redaction slower than the run (only redaction, which is not checked here).
  clearSecrets()
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
  private workflow!: Workflow
  /** The last run: the event and its workflow run, which a re-run runs again. */
  private last: { event: SyncEvent; runId: number } | undefined
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
    this.workflow = new Workflow(emu)
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
    this.note(
      `store seeded by hand; processing ${emu.ctx.processingMs} ms, concurrency ${concurrency}${vendor === 'stackspot' ? `, upload-strategy ${strategy}` : ''}`
    )
    // Only some sequences have an unattributed StackSpot object, so runs with and without auto-delete are both drawn.
    this.view.seedByHand({ unattributed: rng.chance(0.3) })
    for (const id of this.view.fingerprints().keys()) this.others.add(id)
    await this.syncOtherRepository()
    this.untouched = this.view.fingerprints()

    this.repo = await makeRepo(Object.fromEntries(initialFiles(rng)))
    this.repos.push(this.repo)
    this.files = await trackedFiles(this.repo.work)
    const first = await this.repo.push()
    await this.healthy(`first push creates main with ${[...this.files.keys()].filter(isDoc).length} docs`, {
      name: 'push',
      ref: 'refs/heads/main',
      before: first.before,
      sha: first.after,
      depth: 1
    })

    const count = rng.int(5, 9)
    for (let i = 0; i < count; i++) {
      const kind = rng.weighted(STEP_WEIGHTS)
      if (kind === 'push') await this.push()
      else if (kind === 'force-push') await this.forcePush()
      else if (kind === 'branch') await this.branch()
      else if (kind === 'rerun') await this.healthy('re-run of the same event', this.last!.event, this.last!.runId)
      else if (kind === 'dispatch') await this.healthy('full sync', await this.dispatchEvent())
      else await this.faulty()
    }
    this.note('converged after every run')
  }

  async cleanup(): Promise<void> {
    for (const r of this.repos) await r.cleanup()
  }

  private note(step: string): void {
    this.steps.push(step)
    if (process.env.KS_CONVERGENCE_VERBOSE === '1')
      console.log(`[${this.o.vendor} seed ${this.o.seed}] ${((Date.now() - this.started) / 1000).toFixed(1)} s: ${step}`)
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
    const outcome = await new Workflow(this.o.emu, 'octo/handbook').run(
      other,
      { name: 'workflow_dispatch', ref: 'refs/heads/main', sha: after, depth: 1 },
      this.inputs
    )
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
    await this.healthy(`force push: main reset ${back} commit(s) back, then ${count} commit(s) [${edits.join('; ')}]`, {
      name: 'push',
      ref: 'refs/heads/main',
      before,
      sha: after,
      forced: true,
      depth
    })
  }

  /** A new branch pushed (the store follows it: a first push reconciles), then fast-forwarded into main. */
  private async branch(): Promise<void> {
    const name = `feature-${++this.branches}`
    await git(this.repo.work, 'checkout', '-q', '-b', name)
    const { count, edits } = await this.commits()
    await git(this.repo.work, 'push', '-q', 'origin', `HEAD:refs/heads/${name}`)
    const sha = await this.repo.head()
    await this.healthy(`new branch ${name} pushed with ${count} commit(s) [${edits.join('; ')}]`, {
      name: 'push',
      ref: `refs/heads/${name}`,
      before: ZERO,
      sha,
      depth: 1
    })
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
    const outcome = await this.workflow.run(this.repo, event, this.inputs)
    emu.faults.clear()
    const { expected } = await expectedDocs(outcome.workspace, this.view)
    const hurt = [
      ...lostByFailedRun(this.view.read(this.others), this.view, this.synced, expected, ANCHOR.path),
      ...untouchedProblems(this.view, this.untouched)
    ]
    if (hurt.length > 0) this.fail(hurt, outcome)
    this.last = { event, runId: outcome.runId }
    const heal = this.rng.weighted({ rerun: 3, dispatch: 1, 'next-push': 2 })
    if (heal === 'next-push') {
      // The next successful run must bring the store to its commit, the failed push's changes included.
      const next = await this.pushEvent()
      await this.healthy(`next push after the failed run: ${next.what}`, next.event)
    } else if (heal === 'dispatch') {
      await this.healthy('full sync after the failed run', await this.dispatchEvent())
    } else {
      await this.healthy('re-run of the failed run', event, outcome.runId)
    }
  }

  /** Runs the event with no faults (as a new workflow run, or a re-run of `rerun`) and checks the property. */
  private async healthy(what: string, event: SyncEvent, rerun?: number): Promise<void> {
    this.note(`${what}${rerun === undefined ? '' : ` (run ${rerun} again)`}: ${describeEvent(event)}`)
    const outcome = await this.workflow.run(this.repo, event, this.inputs, rerun)
    this.last = { event, runId: outcome.runId }
    const { expected, skipped } = await expectedDocs(outcome.workspace, this.view)
    // A doc the vendor cannot hold (Staffify: empty, or front matter only) is no longer content: its earlier copy must be gone.
    for (const key of skipped) expected.delete(key)
    const problems = [
      ...runProblems(outcome),
      ...storeDifferences(this.view.read(this.others), expected, ANCHOR.path),
      ...untouchedProblems(this.view, this.untouched)
    ]
    if (problems.length > 0) this.fail(problems, outcome)
    this.synced = expected
  }

  private fail(problems: readonly string[], outcome: RunOutcome): never {
    const { vendor, seed } = this.o
    const report = outcome.report
    const message = [
      `Convergence broke for ${vendor}, seed ${seed}, at step ${this.steps.length - 1}.`,
      `Replay: KS_CONVERGENCE_SEED=${seed} npm exec -- vitest run __tests__/emulator/convergence.test.ts -t "${vendor} converges"`,
      'Steps:',
      ...this.steps.map((s, i) => `  ${i}. ${s}`),
      'Problems:',
      ...problems.map((p) => `  - ${p}`),
      ...(report
        ? [
            'Report:',
            `  ${report.scope}: ${report.scopeReason}`,
            ...report.items.map((i) => `  ${i.path}: ${i.action} → ${i.outcome}${i.detail ? ` (${i.detail})` : ''}`)
          ]
        : []),
      'Log (last 40 lines):',
      ...outcome.log.slice(-40).map((l) => `  ${l}`)
    ].join('\n')
    expect.fail(message)
  }
}
