/**
 * Telzino knowledge-base sources, as shared/vendor-docs/telzino-knowledge-base-sources.txt and the
 * vendor notes describe them, under /telzino (api-url = <base>/telzino, auth-url =
 * <base>/telzino/oauth/token).
 *
 * Choices where the docs are silent:
 * - A duplicate (same `contentHash` among the KB's file sources, or the same URL) is 409
 *   `{error: "duplicate_source", message, sourceId}` unless `forceReingest` is true; a forced URL
 *   re-ingests the existing source, a forced file creates a new source.
 * - The pre-signed PUT must carry exactly `fileSize` bytes (Content-Length) and no Authorization.
 * - Enqueue before the bytes arrived is 400 `invalid_request`; jobs go queued → processing → complete
 *   (or failed) over `processingMs`.
 * - Source `status`: `pending` until its job completes, then `active`; `failed` when it failed.
 * - The other plausible answers (paged listing, other duplicate answers, trimmed names) are profiles (profiles.ts).
 * Vendor faults: `telzino-job-fail` (match: file name) fails that file's job; `telzino-put-fail` answers
 * the next PUT with 500; `telzino-expire-tokens` expires every issued token.
 */
import type { EmuContext, Router, SeedableVendor } from '../../framework.ts'
import { registerKbRoutes } from './routes-kbs.ts'
import { registerSourceRoutes } from './routes-sources.ts'
import { TELZINO_PROFILES } from './profiles.ts'
import { TelzinoStore, type TelzinoEmulatorSettings, type TelzinoSeed, type TelzinoSeeded, type TelzinoState } from './state.ts'

export type { TelzinoEmulatorSettings, TelzinoSeed, TelzinoSeeded, TelzinoSource, TelzinoState, TelzinoStateSource } from './state.ts'

export interface TelzinoEmulator extends SeedableVendor<'telzino', TelzinoState, TelzinoSeed, TelzinoSeeded> {
  readonly settings: TelzinoEmulatorSettings
}

export function createTelzinoEmulator(): TelzinoEmulator {
  const store = new TelzinoStore()
  return {
    name: 'telzino',
    settings: store.settings,
    profiles: TELZINO_PROFILES,
    register(router: Router, ctx: EmuContext) {
      store.ctx = ctx
      registerKbRoutes(router, store)
      registerSourceRoutes(router, store)
    },
    state: () => store.state(),
    reset: () => store.reset(),
    seed: (body) => store.seed(body)
  }
}
