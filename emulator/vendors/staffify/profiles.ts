/**
 * The other plausible Staffify behaviours where staffify-knowledge-bases.txt is silent (NOTES.md
 * §3 [gap]), as emulator profiles. docs/staffify.md lists which are confirmed.
 */
import type { EmulatorProfile } from '../../framework.ts'
import type { StaffifyEmulatorSettings } from './state.ts'

interface StaffifyProfile extends EmulatorProfile {
  readonly settings: Partial<StaffifyEmulatorSettings>
}

export const STAFFIFY_PROFILES: readonly StaffifyProfile[] = [
  {
    name: 'staffify-embedding-lag',
    assumption: 'an added entry is listed with its embedding at once',
    behaviour: 'an added entry is listed `has_embedding: false` for 1.5 s, then with its embedding',
    settings: { embeddingLagMs: 1_500 }
  },
  {
    name: 'staffify-limit-in-bytes',
    assumption: 'the 8,000 limit per entry counts characters',
    behaviour: 'the 8,000 limit per entry counts UTF-8 bytes: a multi-byte entry of fewer characters is refused (400)',
    settings: { entryLimitUnit: 'bytes' }
  }
]
