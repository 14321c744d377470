/**
 * The other plausible Castrel behaviours where knowledges-api-pat.txt is silent (NOTES.md §5
 * [gap]), as emulator profiles. docs/castrel.md lists which are confirmed.
 */
import type { EmulatorProfile } from '../../framework.ts'
import type { CastrelEmulatorSettings } from './state.ts'

interface CastrelProfile extends EmulatorProfile {
  readonly settings: Partial<CastrelEmulatorSettings>
}

export const CASTREL_PROFILES: readonly CastrelProfile[] = [
  {
    name: 'castrel-label-filter-ignored',
    assumption: 'the list endpoint applies `filters.labels`',
    behaviour: 'the list endpoint ignores `filters.labels` and answers every item (other repositories’ and hand-made ones too)',
    settings: { labelFilter: 'ignored' }
  },
  {
    name: 'castrel-label-filter-refused',
    assumption: 'the list endpoint applies `filters.labels`',
    behaviour: 'the list endpoint refuses `filters.labels` with an envelope error (HTTP 200, `code` 400)',
    settings: { labelFilter: 'refused' }
  }
]
