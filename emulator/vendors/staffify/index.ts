/**
 * Staffify Knowledge Bases API (shared/vendor-docs/staffify-knowledge-bases.txt, NOTES.md §3),
 * mounted under /staffify/v1. Stateful: knowledge bases hold Q&A entries; uploads run as jobs.
 *
 * Auth: `Authorization: Bearer sfy_live_…` or `X-Api-Key`; organization keys (`sfy_org_…`) also need
 * `X-Project-Id`. Seeded keys may be read-only (writes → 403 READ_ONLY_KEY); an organization may
 * have a plan entry cap (403 naming count and cap) or no credits left (402 INSUFFICIENT_CREDITS).
 * Errors are `{code, message, details?}`. Every authenticated answer carries
 * X-RateLimit-Limit/-Remaining/-Reset (epoch seconds) for a fixed window per organization.
 *
 * Vendor faults (FaultSpec kind `vendor`, `match` against the entry's question + answer or the
 * upload's file name):
 *   staffify-embedding-fail   the entry ends with has_embedding:false (after its automatic retry);
 *                             the retry endpoint fails again while the fault lasts
 *   staffify-upload-fail      the upload job ends `failed`
 */
import type { EmuContext, Router, SeedableVendor } from '../../framework.ts'
import { registerEntryRoutes } from './routes-entries.ts'
import { registerKbRoutes } from './routes-kbs.ts'
import { STAFFIFY_PROFILES } from './profiles.ts'
import { StaffifyStore, type StaffifyEmulatorSettings, type StaffifySeed, type StaffifySeeded, type StaffifyState } from './state.ts'

export {
  STAFFIFY_DEMO_KEY,
  STAFFIFY_DEMO_ORG,
  type StaffifyEmulatorSettings,
  type StaffifyKey,
  type StaffifyOrg,
  type StaffifySeed,
  type StaffifySeeded,
  type StaffifyState,
  type StaffifyStateKb,
  type Entry as StaffifyEntry
} from './state.ts'

export interface StaffifyEmulator extends SeedableVendor<'staffify', StaffifyState, StaffifySeed, StaffifySeeded> {
  readonly settings: StaffifyEmulatorSettings
}

export function createStaffifyEmulator(): StaffifyEmulator {
  const store = new StaffifyStore()
  return {
    name: 'staffify',
    settings: store.settings,
    profiles: STAFFIFY_PROFILES,
    register(router: Router, ctx: EmuContext) {
      store.ctx = ctx
      registerKbRoutes(router, store)
      registerEntryRoutes(router, store)
    },
    state: () => store.state(),
    reset: () => store.reset(),
    seed: (body) => store.seed(body)
  }
}
