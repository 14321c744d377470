/**
 * The other plausible StackSpot behaviours where stackspot-knowledge-sources.txt is silent
 * (NOTES.md §1 [gap]), as emulator profiles. The defaults in state.ts play the reading the adapter
 * was built on; docs/stackspot.md lists which behaviours are confirmed.
 */
import type { EmulatorProfile } from '../../framework.ts'
import type { StackspotEmulatorSettings } from './state.ts'

interface StackspotProfile extends EmulatorProfile {
  readonly settings: Partial<StackspotEmulatorSettings>
}

export const STACKSPOT_PROFILES: readonly StackspotProfile[] = [
  {
    name: 'stackspot-zip-async-lag',
    assumption: 'a processed zip batch shows all its objects at once',
    behaviour: "a zip batch's objects appear one by one, 300 ms apart, after it is reported processed",
    settings: { zipEntryIntervalMs: 300 }
  }
]
