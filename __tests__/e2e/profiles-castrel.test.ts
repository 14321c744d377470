/**
 * The full sync under every Castrel emulator profile (issue 14): each plausible behaviour where
 * the docs are silent either converges or fails with a message naming the assumption; knowledge
 * of another repository, or made by hand, is never treated as ours.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { CASTREL_PROFILES } from '../../emulator/vendors/castrel/profiles.ts'
import { createCastrelEmulator, type CastrelEmulator } from '../../emulator/vendors/castrel/index.ts'
import { GITHUB_EMULATOR_TOKEN, createGithubEmulator, type GithubEmulator } from '../../emulator/vendors/github/index.ts'
import { expectOutcome, runLifecycle } from '../helpers/profile-lifecycle.ts'

/** What the action must do under each profile: converge, or fail with a message matching the pattern. */
const EXPECTED: Record<string, 'converges' | RegExp> = {
  default: 'converges',
  'castrel-label-filter-ignored': 'converges',
  'castrel-label-filter-refused': 'converges'
}

let emu: RunningEmulator<CastrelEmulator | GithubEmulator>
beforeAll(async () => {
  emu = await startEmulator({ vendors: [createCastrelEmulator(), createGithubEmulator()], processingMs: 20 })
})
afterAll(() => emu.close())
beforeEach(() => {
  emu.useDefaults('castrel')
  emu.reset()
})

const entries = () => emu.vendor('castrel').state().entries
const storeDocs = () =>
  entries()
    .filter((k) => k.labels?.['managed-by'] === 'knowledge-sync' && k.labels?.repo === 'octo/docs' && k.labels?.['knowledge-sync-status'] !== 'removed')
    .map((k) => `${k.labels?.path}=${String((k.data as { document_content?: string }).document_content ?? '').trim()}`)

/** Knowledge the lifecycle must leave exactly as it is: another repository's synced docs (same paths) and a hand-made entry. */
function seedOthers() {
  const other = (path: string) => ({
    name: `${path} (octo/other)`,
    type: 'document',
    data: { document_content: `# Other ${path}` },
    labels: { 'managed-by': 'knowledge-sync', repo: 'octo/other', path, 'knowledge-sync-status': 'active' }
  })
  emu.vendor('castrel').seed({
    entries: [other('docs/b.md'), other('docs/old.md'), { name: 'Runbook', type: 'document', data: { document_content: '# Runbook' }, labels: { team: 'sre' } }]
  })
  return entries()
}

describe('Castrel under each emulator profile', () => {
  it('has an expectation for every profile', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(['default', ...CASTREL_PROFILES.map((p) => p.name)].sort())
  })

  it.each(Object.keys(EXPECTED))('%s: converges, or fails naming the assumption, and leaves others alone', async (profile) => {
    if (profile !== 'default') emu.useProfile(profile)
    const others = seedOthers()
    const outcome = await runLifecycle({
      emu,
      inputs: demoInputs('castrel', emu.url, { paths: 'docs/**/*.md', 'github-token': GITHUB_EMULATOR_TOKEN }),
      storeDocs
    })
    expectOutcome(outcome, EXPECTED[profile]!)
    const ids = new Set(others.map((k) => k.id))
    expect(entries().filter((k) => ids.has(k.id))).toEqual(others)
    if (profile === 'castrel-label-filter-refused' && outcome.converged) expect(outcome.runs[0]!.log).toMatch(/Castrel refused the label filter/)
  })
})
