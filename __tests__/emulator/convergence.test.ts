/**
 * Proof of convergence (issue 15): for each vendor, random sequences of repository events synced
 * into one emulated store by runSync in-process, with the real adapters over loopback HTTP. After
 * every healthy run the store holds exactly the docs of the synced commit, current and once each,
 * and what a person (or another repository) put there is untouched. __tests__/helpers/convergence.ts
 * draws the events, sync-checks.ts runs them and checks the property. Each sequence has an
 * emulator of its own, so sequences run concurrently: a run spends much of its time waiting.
 *
 *   default                            a fixed sample of seeds, part of `npm test`
 *   KS_CONVERGENCE_SEQUENCES=200       seeds 1..200 per vendor (`npm run test:convergence`);
 *                                      KS_CONVERGENCE_FIRST_SEED=n starts elsewhere (a schedule can vary it)
 *   KS_CONVERGENCE_SEED=n              replays seed n exactly (add `-t "<vendor> converges"` for one vendor)
 *   KS_CONVERGENCE_VERBOSE=1           prints each step as it starts
 *   KS_CONVERGENCE_KNOWN_GAPS=1        also runs the known gaps below, which today's action fails
 *   KS_CONVERGENCE_OTHER_REPOSITORY=1  seeds another repository's synced docs for every vendor
 *
 * KNOWN GAPS, kept out of the default run so CI stays green (enable them to see them fail):
 * - A doc the vendor skips (Staffify: a doc emptied to 0 bytes) keeps its earlier copy in the store,
 *   because the planner leaves a skipped doc's remote copy alone. By default such docs are not
 *   checked; with KNOWN_GAPS they must be gone.
 * - A push whose run failed is not healed by the next push's run (issue 12 §3): with KNOWN_GAPS a
 *   failed run may be followed by the next push instead of a re-run or a full sync.
 * - StackSpot and Staffify own docs by path alone, so a full sync deletes another repository's docs
 *   in the same store (issue 12 §1): their sequences get another repository only with
 *   OTHER_REPOSITORY=1. Telzino and Castrel scope by repository and always get one.
 * - StackSpot shards whose first syncs run at once with zip batches delete each other's docs: each
 *   sees an empty store, so each zip asks for auto-delete, which removes what the previous zip (the
 *   other shard's) brought. The default shard test uses per-file uploads for StackSpot; the zip
 *   race is its own test, run with KNOWN_GAPS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FaultSpec } from '../../emulator/framework.ts'
import { startEmulator } from '../../emulator/server.ts'
import { allVendors, type FullEmulator } from '../../emulator/vendors/index.ts'
import { runSequence } from '../helpers/convergence.ts'
import { expectedDocs, runProblems, storeDifferences, syncEvent, untouchedProblems, type ExpectedDoc, type SyncEvent } from '../helpers/sync-checks.ts'
import { ANCHOR, docContent } from '../helpers/doc-tree.ts'
import { makeRepo } from '../helpers/git-repo.ts'
import { Prng } from '../helpers/prng.ts'
import { SYNC_VENDORS, storeView, type SyncVendor } from '../helpers/store-views.ts'

/**
 * The default sample, one sequence per vendor, small enough for `npm test` on two cores. A seed
 * draws the same kinds of steps for every vendor; these four between them draw every kind (3: a
 * failed push healed by a re-run, a failed full sync healed by a full sync, a force push, a
 * branch; 14: branches and a full sync; 13: a failed full sync, a force push; 4: re-runs).
 */
const DEFAULT_SEEDS: Record<SyncVendor, number[]> = { stackspot: [3], staffify: [14], telzino: [13], castrel: [4] }

function seeds(env: NodeJS.ProcessEnv, vendor: SyncVendor): number[] {
  if (env.KS_CONVERGENCE_SEED) return [Number(env.KS_CONVERGENCE_SEED)]
  const count = Number(env.KS_CONVERGENCE_SEQUENCES ?? 0)
  if (!(count > 0)) return DEFAULT_SEEDS[vendor]
  const first = Number(env.KS_CONVERGENCE_FIRST_SEED ?? 1)
  return Array.from({ length: count }, (_, i) => first + i)
}

const KNOWN_GAPS = process.env.KS_CONVERGENCE_KNOWN_GAPS === '1'
/** Flip StackSpot and Staffify to true once issue 12 §1 (ownership by repository) is in. */
const OTHER_REPOSITORY: Record<SyncVendor, boolean> = { stackspot: false, staffify: false, telzino: true, castrel: true }
const otherRepository = (vendor: SyncVendor) => OTHER_REPOSITORY[vendor] || process.env.KS_CONVERGENCE_OTHER_REPOSITORY === '1'

// Set for the whole file rather than per test: the tests run concurrently, and per-test restores would race.
const saved = { backoff: process.env.KS_HTTP_BACKOFF_MS, write: process.stdout.write }
beforeAll(() => {
  // Retries are part of what is tested; real back-off delays are not.
  process.env.KS_HTTP_BACKOFF_MS = '2'
  // Hundreds of runs would bury the test output under the workflow commands (::add-mask::, ::debug::) they print.
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: unknown, ...rest: never[]) =>
    typeof chunk === 'string' && chunk.startsWith('::') ? true : write(chunk as string, ...rest)) as typeof process.stdout.write
})
afterAll(() => {
  if (saved.backoff === undefined) delete process.env.KS_HTTP_BACKOFF_MS
  else process.env.KS_HTTP_BACKOFF_MS = saved.backoff
  process.stdout.write = saved.write
})

async function withEmulator<T>(fn: (emu: FullEmulator) => Promise<T>): Promise<T> {
  const emu = await startEmulator({ vendors: allVendors() })
  try {
    return await fn(emu)
  } finally {
    await emu.close()
  }
}

// Top-level concurrent tests: vitest overlaps the tests of one suite, not suites.
const SEQUENCES = SYNC_VENDORS.flatMap((vendor) => seeds(process.env, vendor).map((seed) => [vendor, seed] as const))
it.concurrent.each(SEQUENCES)(
  '%s converges: sequence seed %i',
  async (vendor, seed) => {
    await withEmulator((emu) => runSequence({ emu, vendor, seed, otherRepository: otherRepository(vendor), knownGaps: KNOWN_GAPS }))
  },
  600_000
)

/** A docs tree split over a job matrix: each shard owns one folder (`paths`) and its own `remote-prefix`. */
const SHARDS = [
  { folder: 'docs/api/', prefix: 'api/' },
  { folder: 'docs/guides/', prefix: 'guides/' },
  { folder: 'docs/faq/', prefix: 'faq/' }
]
const SHARD_ANCHOR = { path: `docs/api/${ANCHOR.path.slice('docs/'.length)}`, key: `api/docs/api/${ANCHOR.path.slice('docs/'.length)}` }

function shardFiles(): Record<string, Buffer> {
  const rng = new Prng(15)
  const files: Record<string, Buffer> = { [SHARD_ANCHOR.path]: Buffer.from(ANCHOR.content), 'README.md': Buffer.from('# Repo\n') }
  for (const { folder } of SHARDS) {
    files[`${folder}ünïcode space.md`] = docContent(rng)
    files[`${folder}nested/deeper.md`] = docContent(rng)
    files[`${folder}doc-2.md`] = Buffer.from(`# Two\n\n${folder}\n`)
    files[`${folder}doc-3.md`] = docContent(rng)
    // The same bytes in every shard: a store that refuses duplicate content must still hold each.
    files[`${folder}same-in-every-shard.md`] = Buffer.from('# Shared\n\nThe same bytes in every shard.\n')
  }
  return files
}

/** Differences between the store and every shard's docs in `workspace`, and changes to hand-made content. */
async function shardProblems(
  emu: FullEmulator,
  vendor: SyncVendor,
  workspace: string,
  untouched: ReadonlyMap<string, string>,
  shards = SHARDS
): Promise<string[]> {
  const view = storeView(emu, vendor)
  const expected = new Map<string, ExpectedDoc>()
  const tolerated = new Set<string>()
  for (const s of shards) {
    const shard = await expectedDocs(workspace, view, { remotePrefix: s.prefix, under: s.folder })
    for (const [k, v] of shard.expected) expected.set(k, v)
    for (const k of shard.skipped) tolerated.add(k)
  }
  return [...storeDifferences(view.read(new Set(untouched.keys())), expected, SHARD_ANCHOR.key, tolerated), ...untouchedProblems(view, untouched)]
}

it.concurrent.each(SYNC_VENDORS)(
  '%s: shards of one repository synced at once leave the store equal to the repository; a doc removed from one shard is deleted by that shard alone',
  async (vendor) => {
    await withEmulator(async (emu) => {
      const view = storeView(emu, vendor)
      view.seedByHand()
      const untouched = view.fingerprints()
      const repo = await makeRepo(shardFiles())
      try {
        // Per-file for StackSpot: concurrent first zips delete each other's docs (the known gap tested below).
        const strategy: Record<string, string> = vendor === 'stackspot' ? { 'upload-strategy': 'per-file' } : {}
        const inputs = SHARDS.map((s) => view.inputs({ paths: `${s.folder}**/*.md`, 'remote-prefix': s.prefix, 'max-deletions': '1000', ...strategy }))

        const first = await repo.push()
        const dispatch: SyncEvent = { name: 'workflow_dispatch', ref: 'refs/heads/main', sha: first.after, depth: 1 }
        const full = await Promise.all(inputs.map((i) => syncEvent(repo, dispatch, i)))
        expect(full.flatMap(runProblems)).toEqual([])
        expect(await shardProblems(emu, vendor, full[0]!.workspace, untouched)).toEqual([])

        await repo.remove('docs/guides/doc-2.md')
        await repo.write({ 'docs/api/doc-3.md': '# Changed\n\nOnly the api shard uploads this.\n' })
        await repo.commit('guides loses a doc, api changes one')
        const { before, after } = await repo.push()
        const push: SyncEvent = { name: 'push', ref: 'refs/heads/main', before, sha: after, depth: 2 }
        const runs = await Promise.all(inputs.map((i) => syncEvent(repo, push, i)))
        expect(runs.flatMap(runProblems)).toEqual([])
        const writes = runs.map((r) => r.report!.items.filter((i) => i.outcome !== 'unchanged').map((i) => `${i.path}: ${i.action} → ${i.outcome}`))
        expect(writes).toEqual([
          ['docs/api/doc-3.md: replace → replaced'],
          [`docs/guides/doc-2.md: delete → ${vendor === 'castrel' ? 'tombstoned' : 'deleted'}`],
          []
        ])
        expect(await shardProblems(emu, vendor, runs[0]!.workspace, untouched)).toEqual([])
      } finally {
        await repo.cleanup()
      }
    })
  },
  180_000
)

describe('KNOWN GAP: StackSpot shards with zip batches', () => {
  // The zip of the guides shard is held back in the emulator until the api shard's zip is in and
  // its run has ended, as on any busy runner: both runs listed an empty store, so both zips ask for
  // auto-delete, and the later one removes every object the earlier zip brought.
  it.runIf(KNOWN_GAPS)(
    'first syncs of two shards at once keep both shards’ docs',
    async () => {
      await withEmulator(async (emu) => {
        const view = storeView(emu, 'stackspot')
        view.seedByHand()
        const untouched = view.fingerprints()
        const repo = await makeRepo(shardFiles())
        try {
          const shards = SHARDS.slice(0, 2)
          const inputs = shards.map((s) => view.inputs({ paths: `${s.folder}**/*.md`, 'remote-prefix': s.prefix, 'upload-strategy': 'zip' }))
          const held: FaultSpec = {
            kind: 'latency',
            route: 'POST /stackspot/v1/knowledge-sources/:slug/objects/batch',
            match: 'guides/docs/guides/',
            ms: 3_000
          }
          emu.faults.add(held)
          const { after } = await repo.push()
          const dispatch: SyncEvent = { name: 'workflow_dispatch', ref: 'refs/heads/main', sha: after, depth: 1 }
          const runs = await Promise.all(inputs.map((i) => syncEvent(repo, dispatch, i)))
          expect(runs.flatMap(runProblems)).toEqual([])
          expect(await shardProblems(emu, 'stackspot', runs[0]!.workspace, untouched, shards)).toEqual([])
        } finally {
          await repo.cleanup()
        }
      })
    },
    180_000
  )
})

describe('KNOWN GAP: Staffify docs it cannot turn into entries', () => {
  /** A Staffify store with hand-made entries and a repository holding `files`, pushed and synced as main moves. */
  async function staffifyWorld(emu: FullEmulator, files: Record<string, string>) {
    const view = storeView(emu, 'staffify')
    view.seedByHand()
    const others = new Set(view.fingerprints().keys())
    const repo = await makeRepo({ [ANCHOR.path]: ANCHOR.content, ...files })
    /** Pushes `edit` (or the first commit) and syncs the push; returns the run's failures and the store's differences. */
    const push = async (edit?: () => Promise<void>) => {
      if (edit) {
        await edit()
        await repo.commit()
      }
      const { before, after } = await repo.push()
      const run = await syncEvent(repo, { name: 'push', ref: 'refs/heads/main', before, sha: after, depth: 2 }, view.inputs({ 'max-deletions': '1000' }))
      const { expected, skipped } = await expectedDocs(run.workspace, view)
      // Strict: a doc Staffify skips must not be in the store either.
      for (const key of skipped) expected.delete(key)
      return { run: runProblems(run), store: storeDifferences(view.read(others), expected, ANCHOR.path) }
    }
    return { repo, push }
  }

  // Hugo's section pages (`_index.md`) are often front matter only. Staffify makes no entry of such a
  // doc, so every run fails it, and a run with a failed upload deletes nothing: deleted docs stay.
  it.runIf(KNOWN_GAPS)(
    'a doc without text (front matter only) neither fails the run nor keeps deleted docs in the store',
    async () => {
      await withEmulator(async (emu) => {
        const { repo, push } = await staffifyWorld(emu, {
          'docs/_index.md': '---\ntitle: Docs\nweight: 1\n---\n',
          'docs/gone.md': '# Gone\n\nDeleted by the next push.\n'
        })
        try {
          const first = await push()
          const second = await push(async () => {
            await repo.remove('docs/gone.md')
            await repo.write({ 'docs/_index.md': '---\ntitle: Docs\nweight: 2\n---\n' })
          })
          expect({ first: first.run, second: second.run, store: second.store }).toEqual({ first: [], second: [], store: [] })
        } finally {
          await repo.cleanup()
        }
      })
    },
    120_000
  )

  // An emptied doc is skipped (Staffify has nothing to make entries of), and the planner leaves a
  // skipped doc's remote copy alone: agents keep answering from the text the repository removed.
  it.runIf(KNOWN_GAPS)(
    'a doc emptied by a push leaves the store',
    async () => {
      await withEmulator(async (emu) => {
        const { repo, push } = await staffifyWorld(emu, { 'docs/emptied.md': '# Soon empty\n\nThis text must not outlive the file.\n' })
        try {
          await push()
          const { run, store } = await push(() => repo.write({ 'docs/emptied.md': '' }))
          expect({ run, store }).toEqual({ run: [], store: [] })
        } finally {
          await repo.cleanup()
        }
      })
    },
    120_000
  )
})
