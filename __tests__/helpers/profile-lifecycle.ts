/**
 * The full sync a user's workflow goes through, run by the bundled action under one emulator
 * profile (issue 14): first sync, a re-run, a push that edits, renames and deletes (nested and
 * unicode paths), and a re-run of that push. After every run the store must equal the repository,
 * or the run must fail naming the assumption that did not hold: never silent duplicates, never a
 * reported delete that did not happen.
 */
import { expect } from 'vitest'
import type { RunningEmulator } from '../../emulator/server.ts'
import type { GithubEmulator } from '../../emulator/vendors/github/index.ts'
import { makeRepo, type TestRepo } from './git-repo.ts'
import { pushPayload, workflowDispatchPayload } from './payloads.ts'
import { runAction, type RunResult } from './run-action.ts'
import { recordSuccess } from './workflow-runs.ts'

export interface LifecycleOptions {
  /** An emulator hosting the vendor and GitHub (push runs ask the Actions API for the last successful run). */
  emu: RunningEmulator
  /** The action's inputs for the vendor (credentials, store, `paths` covering `docs/**`). */
  inputs: Record<string, string>
  /**
   * What the store holds for this repository: one `repo path=content` per stored doc (content
   * trimmed, one entry per copy, so duplicates show), sorted. Content the action did not create is
   * left out by the caller, who checks it separately.
   */
  storeDocs(): string[] | Promise<string[]>
}

export type LifecycleStep = 'first sync' | 're-run' | 'push with edit, rename and delete' | 're-run of the push'

export type LifecycleOutcome =
  | { converged: true; runs: RunResult[] }
  /** A run failed (exit 1): the caller checks that its log names the assumption. */
  | { converged: false; failedAt: LifecycleStep; run: RunResult; storeBefore: string[]; storeAfter: string[] }

const FIRST = {
  'docs/a.md': '# Alpha v1',
  'docs/b.md': '# Beta',
  'docs/old.md': '# Moving',
  'docs/ünï/日本語 guide.md': '# 日本語'
}

/** `path=content` lines the store must hold after each step. */
export const EXPECTED: Record<LifecycleStep, string[]> = {
  'first sync': lines(FIRST),
  're-run': lines(FIRST),
  'push with edit, rename and delete': lines({
    'docs/a.md': '# Alpha v2',
    'docs/new.md': '# Moving',
    'docs/ünï/日本語 guide.md': '# 日本語'
  }),
  're-run of the push': lines({ 'docs/a.md': '# Alpha v2', 'docs/new.md': '# Moving', 'docs/ünï/日本語 guide.md': '# 日本語' })
}

function lines(files: Record<string, string>): string[] {
  return Object.entries(files)
    .map(([p, c]) => `${p}=${c}`)
    .sort()
}

/**
 * Runs the four steps; stops at the first failed run. Throws (failing the test) when a run that
 * exited 0 left the store different from the repository.
 */
export async function runLifecycle(opts: LifecycleOptions): Promise<LifecycleOutcome> {
  const github = opts.emu.vendors.get('github') as GithubEmulator | undefined
  if (!github) throw new Error('the lifecycle needs the GitHub emulator (push runs look up the last successful run)')
  const repo = await makeRepo(Object.fromEntries(Object.entries(FIRST).map(([p, c]) => [p, `${c}\n`])))
  const runs: RunResult[] = []
  try {
    const dispatch = async () => {
      await repo.commit()
      await repo.push()
      return run(opts, repo, 'workflow_dispatch', workflowDispatchPayload({ owner: 'octo', name: 'docs' }), await repo.checkout())
    }
    let pushed: { before: string; after: string } | undefined
    const steps: Array<[LifecycleStep, () => Promise<RunResult>]> = [
      ['first sync', dispatch],
      ['re-run', dispatch],
      [
        'push with edit, rename and delete',
        async () => {
          await repo.write({ 'docs/a.md': '# Alpha v2\n' })
          await repo.rename('docs/old.md', 'docs/new.md')
          await repo.remove('docs/b.md')
          await repo.commit()
          pushed = await repo.push()
          recordSuccess(github, 'octo/docs', pushed.before)
          return run(opts, repo, 'push', pushPayload({ owner: 'octo', name: 'docs', ...pushed }), await repo.checkout(pushed.after, 2))
        }
      ],
      [
        're-run of the push',
        async () => {
          if (!pushed) throw new Error('no push to re-run')
          return run(opts, repo, 'push', pushPayload({ owner: 'octo', name: 'docs', ...pushed }), await repo.checkout(pushed.after, 2))
        }
      ]
    ]
    for (const [step, go] of steps) {
      const storeBefore = await sorted(opts)
      const r = await go()
      runs.push(r)
      const storeAfter = await sorted(opts)
      if (r.code !== 0) return { converged: false, failedAt: step, run: r, storeBefore, storeAfter }
      const expected = EXPECTED[step]
      if (JSON.stringify(storeAfter) !== JSON.stringify(expected)) {
        throw new Error(
          `"${step}" exited 0 but the store differs from the repository.\nexpected: ${JSON.stringify(expected)}\nstore:    ${JSON.stringify(storeAfter)}\n\n${r.log}`
        )
      }
    }
    return { converged: true, runs }
  } finally {
    await repo.cleanup()
  }
}

async function sorted(opts: LifecycleOptions): Promise<string[]> {
  return [...(await opts.storeDocs())].sort()
}

function run(opts: LifecycleOptions, _repo: TestRepo, eventName: string, payload: object, workspace: string): Promise<RunResult> {
  opts.emu.requests.length = 0
  return runAction({ inputs: opts.inputs, workspace, eventName, payload, emulatorUrl: opts.emu.url, timeoutMs: 90_000 })
}

/**
 * Checks a lifecycle against what a profile's row expects: `converges`, or a failure whose log
 * matches the pattern (the assumption named). With `failureLeavesStore`, a failed run must also
 * have left the store as it found it (nothing it made stays behind).
 */
export function expectOutcome(outcome: LifecycleOutcome, expected: 'converges' | RegExp, opts: { failureLeavesStore?: boolean } = {}): void {
  if (expected === 'converges') {
    expect(outcome.converged, outcome.converged ? '' : `${outcome.failedAt}\n${outcome.run.log}`).toBe(true)
    return
  }
  expect(outcome.converged, 'the run should have failed').toBe(false)
  if (outcome.converged) return
  expect(outcome.run.log).toMatch(expected)
  if (opts.failureLeavesStore) expect(outcome.storeAfter).toEqual(outcome.storeBefore)
}
