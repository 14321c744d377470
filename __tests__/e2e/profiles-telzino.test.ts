/**
 * The full sync under every Telzino emulator profile (issue 14): each plausible behaviour where
 * the docs are silent either converges or fails with a message naming the assumption.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { GITHUB_EMULATOR_TOKEN, createGithubEmulator, type GithubEmulator } from '../../emulator/vendors/github/index.ts'
import { TELZINO_PROFILES } from '../../emulator/vendors/telzino/profiles.ts'
import { createTelzinoEmulator, type TelzinoEmulator } from '../../emulator/vendors/telzino/index.ts'
import { expectOutcome, runLifecycle } from '../helpers/profile-lifecycle.ts'

/** What the action must do under each profile: converge, or fail with a message matching the pattern. */
const EXPECTED: Record<string, 'converges' | RegExp> = {
  default: 'converges',
  'telzino-paged-sources': 'converges',
  'telzino-duplicate-400': 'converges',
  'telzino-duplicate-existing': 'converges',
  'telzino-names-trimmed':
    /Telzino lists a new source under the name "a\.md", not under the `fileName` sent \("octo\/docs\/docs\/a\.md"\)\. The action assumes a source keeps the name it was created with/
}

let emu: RunningEmulator<TelzinoEmulator | GithubEmulator>
beforeAll(async () => {
  emu = await startEmulator({ vendors: [createTelzinoEmulator(), createGithubEmulator()], processingMs: 20 })
})
afterAll(() => emu.close())
beforeEach(() => {
  emu.useDefaults('telzino')
  emu.reset()
})

const NAMESPACE = 'octo/docs/'
const storeDocs = () =>
  emu
    .vendor('telzino')
    .state()
    .knowledgeBases.flatMap((kb) => kb.sources)
    .filter((s) => s.source_type === 'file' && s.status !== 'failed')
    // A trimmed name no longer says whose the source is: every file source counts, so none can hide.
    .map((s) => `${s.name.startsWith(NAMESPACE) ? s.name.slice(NAMESPACE.length) : s.name}=${(s.content ?? '').trim()}`)

describe('Telzino under each emulator profile', () => {
  it('has an expectation for every profile', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(['default', ...TELZINO_PROFILES.map((p) => p.name)].sort())
  })

  it.each(Object.keys(EXPECTED))('%s: converges, or fails naming the assumption', async (profile) => {
    if (profile !== 'default') emu.useProfile(profile)
    const outcome = await runLifecycle({
      emu,
      inputs: demoInputs('telzino', emu.url, {
        'knowledge-base': 'Profile docs',
        paths: 'docs/**/*.md',
        'processing-timeout': '30',
        concurrency: '2',
        'github-token': GITHUB_EMULATOR_TOKEN
      }),
      storeDocs
    })
    // A failed run leaves nothing it made behind.
    expectOutcome(outcome, EXPECTED[profile]!, { failureLeavesStore: true })
  })
})
