/**
 * The other plausible Telzino behaviours where telzino-knowledge-base-sources.txt is silent
 * (NOTES.md §4 [gap]), as emulator profiles. docs/telzino.md lists which are confirmed.
 */
import type { EmulatorProfile } from '../../framework.ts'
import type { TelzinoEmulatorSettings } from './state.ts'

interface TelzinoProfile extends EmulatorProfile {
  readonly settings: Partial<TelzinoEmulatorSettings>
}

export const TELZINO_PROFILES: readonly TelzinoProfile[] = [
  {
    name: 'telzino-paged-sources',
    assumption: 'the sources listing answers every source at once',
    behaviour: 'the sources listing answers pages of 2 with the documented `pagination` object (`?page&limit`)',
    settings: { sourcesPageSize: 2 }
  },
  {
    name: 'telzino-duplicate-400',
    assumption: 'a duplicate `contentHash` is refused with 409',
    behaviour: 'a duplicate `contentHash` is refused with 400 `invalid_request` and a message, naming no source',
    settings: { duplicateAnswer: '400' }
  },
  {
    name: 'telzino-duplicate-existing',
    assumption: 'a duplicate `contentHash` is refused with 409',
    behaviour: 'a duplicate `contentHash` is answered 200 with the existing source (its id, a new job and an upload URL), like a create',
    settings: { duplicateAnswer: 'existing' }
  },
  {
    name: 'telzino-names-trimmed',
    assumption: 'a source is listed under the `fileName` sent, in full',
    behaviour: 'a source is listed under the last part of its `fileName` (after the last `/`), trimmed',
    settings: { sourceNames: 'base-name' }
  }
]
