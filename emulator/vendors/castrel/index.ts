/**
 * Castrel Knowledges API (PAT), as shared/vendor-docs/knowledges-api-pat.txt describes it, under
 * /castrel (api-url = <base>/castrel). Every answer is the `{code, message, data}` envelope; as the
 * docs show, validation errors come back as HTTP 200 with `code` 400. There is no delete endpoint.
 *
 * Choices where the docs are silent:
 * - A missing or unknown PAT is HTTP 401 with the envelope `{code: 401, message: "auth.unauthorized"}`.
 * - An unknown id is HTTP 200 with `code` 404.
 * - Boolean filters (is_public, is_readonly) compare the strings "true"/"false"; the id filters read trigger_config.
 * - Label filter `eq` with several values means all of them (AND); `includeAny` any; `excludeAny` none;
 *   `like` a substring of the value. `trigger_config` identity for upsert is JSON equality.
 * - Upsert and update replace `labels` and `metadata` wholesale when sent (not merged).
 * Faults: `{"kind":"vendor","name":"castrel-error-envelope","match":"<path part>"}` answers HTTP 200 with
 * `{code: 500, message: "common.internal_error"}` on a matching route.
 */
import type { EmuContext, Router, SeedableVendor } from '../../framework.ts'
import { registerCastrelRoutes } from './routes.ts'
import { CASTREL_PROFILES } from './profiles.ts'
import { CastrelStore, type CastrelEmulatorSettings, type CastrelSeed, type CastrelSeeded, type CastrelState } from './state.ts'

export type { CastrelEmulatorSettings, CastrelKnowledge, CastrelSeed, CastrelSeeded, CastrelState } from './state.ts'

export interface CastrelEmulator extends SeedableVendor<'castrel', CastrelState, CastrelSeed, CastrelSeeded> {
  readonly settings: CastrelEmulatorSettings
}

export function createCastrelEmulator(): CastrelEmulator {
  const store = new CastrelStore()
  return {
    name: 'castrel',
    settings: store.settings,
    profiles: CASTREL_PROFILES,
    register(router: Router, ctx: EmuContext) {
      store.ctx = ctx
      registerCastrelRoutes(router, store)
    },
    state: () => store.state(),
    reset: () => store.reset(),
    seed: (body) => store.seed(body)
  }
}
