/**
 * `mode: doctor`, start to end: sign in, find the store, list it, upload one canary doc and watch
 * how the vendor reports it, then remove the canary and confirm by listing that it is gone. The
 * removal runs in `finally`, so a run that fails half-way still leaves the store as it found it,
 * or says exactly what a person has to delete.
 */
import type { RunContext } from '../context.js'
import { errorMessage } from '../errors.js'
import type { Log } from '../log.js'
import type { Settings } from '../settings.js'
import type { TokenCache } from '../tokens.js'
import { vendorFactory, type VendorFactory } from '../vendors/registry.js'
import type { StoreInfo } from '../vendors/types.js'
import { canaryDoc } from './canary.js'
import { DoctorSession, StepFailed } from './session.js'
import type { VendorDoctorFactory } from './contract.js'
import type { DoctorReport, Leftover } from './types.js'
import { doctorFor } from './vendors.js'

export interface DoctorDeps {
  readonly log: Log
  /** Runs `fn` inside a collapsible log group (core.group in production). */
  readonly group: <T>(name: string, fn: () => Promise<T>) => Promise<T>
  readonly tokenCache: TokenCache
  /** Unique to this run (doctorRunId): names the canary. */
  readonly runId: string
  /** Builds the store's adapter; the registry's factory unless a test brings its own. */
  readonly vendor?: VendorFactory
  /** Builds the vendor's doctor; the one in src/vendors/<id>/doctor.ts unless a test brings its own. */
  readonly doctor?: VendorDoctorFactory
  /** First delay between status polls (tests make it short). */
  readonly pollMs?: number
}

/**
 * Whose docs the canary sits among: the `namespace` input where this version has one, else the
 * repository, which is where the adapters keep a repository's docs.
 */
function doctorNamespace(settings: Settings, run: RunContext): string {
  const namespace = (settings as Partial<Record<'namespace', unknown>>).namespace
  return typeof namespace === 'string' && namespace !== '' ? namespace : run.repository
}

export async function runDoctor(settings: Settings, run: RunContext, deps: DoctorDeps): Promise<DoctorReport> {
  const { log } = deps
  const namespace = doctorNamespace(settings, run)
  const adapterDeps = { log, repository: run.repository, namespace, sha: run.sha, tokenCache: deps.tokenCache }
  // The adapter only signs in, finds the store and lists it. As in a dry run it asks for no
  // embedding retries, and it adds no url-sources: the doctor writes nothing but its canary.
  const adapter = (deps.vendor ?? vendorFactory(settings.vendor))({ ...settings, dryRun: true, urlSources: [] }, adapterDeps)
  const canary = canaryDoc(namespace, deps.runId, adapter.displayName)
  const doctor = (deps.doctor ?? doctorFor(settings.vendor))({
    settings,
    log,
    tokenCache: deps.tokenCache,
    canary,
    waitMs: settings.processingTimeoutSeconds * 1000,
    pollMs: deps.pollMs ?? 200
  })
  const s = new DoctorSession(doctor.assumptions, log, deps.group)
  log.info(`Knowledge Sync doctor for ${adapter.displayName}: the canary is ${canary.key}`)

  let store: StoreInfo | undefined
  let skipped: string | undefined
  let canaryRan = false
  let leftovers: Leftover[] = []
  let cleanupFailed = false
  try {
    await s.step('Authenticate', () => adapter.authenticate())
    const found = await s.step('Find the store', async () => {
      const info = await adapter.ensureStore({ create: settings.createIfMissing && !settings.dryRun, dryRun: settings.dryRun })
      if (info.created)
        log.notice(`The store ${info.name} (${info.id}) did not exist and was created, as \`create-if-missing: true\` asks. The doctor leaves it in place.`)
      else log.info(`Store: ${info.name} (${info.id})${info.exists ? '' : ', does not exist (a dry run creates nothing)'}`)
      return info
    })
    store = found
    if (!found.exists) {
      skipped = 'the store does not exist, and a dry run creates nothing'
    } else {
      await s.step('List the store', async () => {
        await doctor.list(found, s)
        s.listing.owned = (await adapter.listOwned()).length
        log.info(`The action would treat ${s.listing.owned} docs as its own; ${s.listing.odd.length} items would be skipped as odd.`)
      })
      await doctor.probe?.(found, s)
      skipped = doctor.noCanary ?? (settings.dryRun ? 'a dry run writes nothing, so no canary was uploaded' : undefined)
      if (!skipped) {
        canaryRan = true
        await doctor.canary(found, s)
      }
    }
  } catch (error) {
    if (!(error instanceof StepFailed)) s.failedStep ??= { name: 'the doctor itself', error: errorMessage(error) }
  } finally {
    if (canaryRan && store) {
      const at = store
      try {
        leftovers = await s.step('Remove the canary and confirm by listing', () => doctor.cleanUp(at, s))
      } catch (error) {
        cleanupFailed = true
        const why = `the clean-up failed (${errorMessage(error)}); delete it by hand`
        leftovers = s.created.length > 0 ? s.created.map((c) => ({ ...c, how: why })) : [{ what: `anything named ${canary.stem}…`, id: canary.stem, how: why }]
      }
    }
  }

  const uncheckedBecause = s.failedStep ? `not reached: the run stopped at "${s.failedStep.name}"` : skipped ? `not checked: ${skipped}` : 'not checked'
  const checks = s.checkRows(uncheckedBecause)
  return {
    vendor: adapter.id,
    vendorName: adapter.displayName,
    store,
    dryRun: settings.dryRun,
    listing: s.listing,
    canary: { key: canary.key, ...(skipped ? { skipped } : {}), created: s.created, leftovers, removed: canaryRan && !cleanupFailed && leftovers.length === 0 },
    steps: s.steps,
    checks,
    observations: s.observations,
    ...(s.failedStep ? { failedStep: s.failedStep } : {}),
    ok: !s.failedStep && leftovers.length === 0 && checks.every((c) => c.result !== 'did not hold')
  }
}
