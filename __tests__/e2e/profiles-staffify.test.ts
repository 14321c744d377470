/**
 * The full sync under every Staffify emulator profile (issue 14): each plausible behaviour where
 * the docs are silent either converges or fails with a message naming the assumption.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { GITHUB_EMULATOR_TOKEN, createGithubEmulator, type GithubEmulator } from '../../emulator/vendors/github/index.ts'
import { STAFFIFY_PROFILES } from '../../emulator/vendors/staffify/profiles.ts'
import { createStaffifyEmulator, type StaffifyEmulator } from '../../emulator/vendors/staffify/index.ts'
import { makeRepo } from '../helpers/git-repo.ts'
import { workflowDispatchPayload } from '../helpers/payloads.ts'
import { expectOutcome, runLifecycle } from '../helpers/profile-lifecycle.ts'
import { runAction } from '../helpers/run-action.ts'

/** What the action must do under each profile: converge, or fail with a message matching the pattern. */
const EXPECTED: Record<string, 'converges' | RegExp> = {
  default: 'converges',
  'staffify-embedding-lag': 'converges',
  'staffify-limit-in-bytes': 'converges'
}

let emu: RunningEmulator<StaffifyEmulator | GithubEmulator>
beforeAll(async () => {
  emu = await startEmulator({ vendors: [createStaffifyEmulator(), createGithubEmulator()], processingMs: 20 })
})
afterAll(() => emu.close())
beforeEach(() => {
  emu.useDefaults('staffify')
  emu.reset()
})

const TAG = / \[octo\/docs\/(.+) · (\d+)\/(\d+) · [0-9a-f]{12}\]$/
const entries = () =>
  emu
    .vendor('staffify')
    .state()
    .knowledgeBases.flatMap((kb) => kb.entries)
/**
 * One line per stored copy of a doc (its first entry), rebuilt as `# <title>` (plus the answer): the
 * lifecycle's docs are one heading each. A doc whose entries were added twice shows twice.
 */
const storeDocs = () =>
  entries().flatMap((e) => {
    const m = TAG.exec(e.question)
    if (m?.[2] !== '1') return []
    const title = e.question.slice(0, m.index)
    // A heading-only doc's entry answers with its title.
    return [`${m[1]}=${`# ${title}${e.answer && e.answer !== title ? `\n\n${e.answer}` : ''}`.trim()}`]
  })

const inputs = (extra: Record<string, string> = {}) =>
  demoInputs('staffify', emu.url, { 'knowledge-base': 'Profile docs', paths: 'docs/**/*.md', 'github-token': GITHUB_EMULATOR_TOKEN, ...extra })

describe('Staffify under each emulator profile', () => {
  it('has an expectation for every profile', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(['default', ...STAFFIFY_PROFILES.map((p) => p.name)].sort())
  })

  it.each(Object.keys(EXPECTED))('%s: converges, or fails naming the assumption', async (profile) => {
    if (profile !== 'default') emu.useProfile(profile)
    const outcome = await runLifecycle({ emu, inputs: inputs({ 'processing-timeout': '10' }), storeDocs })
    expectOutcome(outcome, EXPECTED[profile]!)
  })

  it('staffify-embedding-lag: waits for the pending embeddings instead of retrying them or warning', async () => {
    emu.useProfile('staffify-embedding-lag')
    const repo = await makeRepo({ 'docs/a.md': '# A\n\nAlpha.\n' })
    try {
      await repo.commit()
      await repo.push()
      const r = await runAction({
        inputs: inputs({ 'processing-timeout': '10' }),
        workspace: await repo.checkout(),
        eventName: 'workflow_dispatch',
        payload: workflowDispatchPayload({ owner: 'octo', name: 'docs' }),
        emulatorUrl: emu.url
      })
      expect(r.code, r.log).toBe(0)
      expect(r.log).not.toMatch(/had no embedding/)
      expect(emu.requests.filter((q) => q.route.endsWith('/retry-embedding'))).toEqual([])
      expect(entries().map((e) => e.has_embedding)).toEqual([true])
    } finally {
      await repo.cleanup()
    }
  })

  it('staffify-limit-in-bytes: a multi-byte doc near 8,000 characters is re-sized in bytes, not refused', async () => {
    emu.useProfile('staffify-limit-in-bytes')
    const text = 'Ünïcödé wörds — 日本語のテキスト。'.repeat(300).slice(0, 7_600)
    const repo = await makeRepo({ 'docs/wide.md': `# Wide\n\n${text}\n` })
    try {
      await repo.commit()
      await repo.push()
      const r = await runAction({
        inputs: inputs(),
        workspace: await repo.checkout(),
        eventName: 'workflow_dispatch',
        payload: workflowDispatchPayload({ owner: 'octo', name: 'docs' }),
        emulatorUrl: emu.url
      })
      expect(r.code, r.log).toBe(0)
      expect(r.log).toMatch(/its limit seems to count bytes/)
      const stored = entries()
      expect(stored.length).toBeGreaterThan(1)
      for (const e of stored) expect(Buffer.byteLength(e.question + e.answer)).toBeLessThanOrEqual(8_000)
      // Whitespace at a cut is the only thing an entry does not carry.
      expect(
        stored
          .map((e) => e.answer)
          .join('')
          .replace(/\s+/g, '')
      ).toBe(text.replace(/\s+/g, ''))
    } finally {
      await repo.cleanup()
    }
  })
})
