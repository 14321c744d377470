/**
 * The full sync under every StackSpot emulator profile (issue 14): each plausible behaviour where
 * the docs are silent either converges or fails with a message naming the assumption.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { GITHUB_EMULATOR_TOKEN, createGithubEmulator, type GithubEmulator } from '../../emulator/vendors/github/index.ts'
import { StackSpotIdm } from '../../emulator/vendors/stackspot-idm/index.ts'
import { STACKSPOT_PROFILES } from '../../emulator/vendors/stackspot/profiles.ts'
import { createStackspotEmulator, type StackspotEmulator } from '../../emulator/vendors/stackspot/index.ts'
import { expectOutcome, runLifecycle } from '../helpers/profile-lifecycle.ts'

/** What the action must do under each profile: converge, or fail with a message matching the pattern. */
const EXPECTED: Record<string, 'converges' | RegExp> = {
  default: 'converges',
  'stackspot-zip-async-lag': 'converges',
  'stackspot-objects-paged': 'converges',
  'stackspot-objects-paged-array': 'converges',
  'stackspot-file-path-leading-slash': 'converges',
  'stackspot-file-path-sanitised': /StackSpot does not keep file_path as sent: the zip entry "octo\/docs\/docs\/.+" is listed as "octo_docs_docs_.+"/,
  'stackspot-checksum-md5': 'converges',
  'stackspot-checksum-other': 'converges',
  'stackspot-checksum-absent': 'converges',
  'stackspot-status-success': 'converges',
  'stackspot-status-finished': 'converges',
  'stackspot-processing-file-upload': 'converges',
  'stackspot-zip-missing-404': 'converges',
  'stackspot-zip-missing-405': 'converges',
  'stackspot-zip-sync': 'converges',
  'stackspot-form-null-field': 'converges',
  'stackspot-delete-lagged': 'converges',
  'stackspot-delete-kept-404':
    /is still listed \d+ s after its DELETE answered HTTP 404\. The action relies on `DELETE …\/objects\/\{id\}` deleting the object/,
  'stackspot-objects-odd-item': 'converges'
}

let emu: RunningEmulator<StackSpotIdm | StackspotEmulator | GithubEmulator>
beforeAll(async () => {
  const idm = new StackSpotIdm()
  emu = await startEmulator({ vendors: [idm, createStackspotEmulator(idm), createGithubEmulator()], processingMs: 20 })
})
afterAll(() => emu.close())
beforeEach(() => {
  emu.useDefaults('stackspot')
  emu.reset()
})

const SLUG = 'profile-docs'
const NAMESPACE = 'octo/docs/'
const storeDocs = () =>
  (
    emu
      .vendor('stackspot')
      .state()
      .knowledgeSources.find((k) => k.slug === SLUG)?.objects ?? []
  )
    .filter((o) => o.file_path?.replace(/^\//, '').startsWith(NAMESPACE))
    .map((o) => `${o.file_path!.replace(/^\//, '').slice(NAMESPACE.length)}=${(o.content ?? '').trim()}`)

describe('StackSpot under each emulator profile', () => {
  it('has an expectation for every profile', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(['default', ...STACKSPOT_PROFILES.map((p) => p.name)].sort())
  })

  it.each(Object.keys(EXPECTED))(
    '%s: converges, or fails naming the assumption',
    async (profile) => {
      if (profile !== 'default') emu.useProfile(profile)
      emu.vendor('stackspot').seed({ settings: { newKsDelayMs: 0 } })
      // Each lifecycle is four runs of the bundle; on two busy cores that can take a while.
      const outcome = await runLifecycle({
        emu,
        inputs: demoInputs('stackspot', emu.url, {
          'knowledge-base': SLUG,
          paths: 'docs/**/*.md',
          'processing-timeout': '30',
          'github-token': GITHUB_EMULATOR_TOKEN
        }),
        storeDocs
      })
      expectOutcome(outcome, EXPECTED[profile]!)
    },
    120_000
  )
})
