/**
 * StackSpot AI Knowledge Sources, as stackspot-knowledge-sources.txt and NOTES.md §1 describe them:
 * KS create/get, object listing with checksums, deletes by id and in bulk (`standalone`), the
 * per-file flow (upload form → pre-signed S3 POST served here → processing → status polling) and
 * the zip batch with `auto-delete`. Where the docs are silent the choices are listed in
 * docs/stackspot.md ("What the emulator does where the docs are silent").
 */
import type { EmuContext, Router, SeedableVendor } from '../../framework.ts'
import type { StackSpotIdm } from '../stackspot-idm/index.ts'
import { STACKSPOT_PROFILES } from './profiles.ts'
import { registerKsRoutes } from './routes-ks.ts'
import { registerUploadRoutes } from './routes-upload.ts'
import { StackspotStore, type StackspotEmulatorSettings, type StackspotSeed, type StackspotSeeded, type StackspotState } from './state.ts'

export { MAX_FILE_BYTES, MAX_ZIP_BYTES, unsafePath } from './files.ts'
export type { KsObject, StackspotEmulatorSettings, StackspotSeed, StackspotSeeded, StackspotState } from './state.ts'

export interface StackspotEmulator extends SeedableVendor<'stackspot', StackspotState, StackspotSeed, StackspotSeeded> {
  /** The live settings (also changed by seeding `settings`). */
  readonly settings: StackspotEmulatorSettings
}

/** Knowledge Sources that accept the bearer tokens `idm` issues. */
export function createStackspotEmulator(idm: StackSpotIdm): StackspotEmulator {
  const store = new StackspotStore()
  return {
    name: 'stackspot',
    settings: store.settings,
    profiles: STACKSPOT_PROFILES,
    register(router: Router, ctx: EmuContext) {
      store.ctx = ctx
      registerKsRoutes(router, store, idm)
      registerUploadRoutes(router, store, idm)
    },
    state: () => store.state(),
    reset: () => store.reset(),
    seed: (body) => store.seed(body)
  }
}
