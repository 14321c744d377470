/** `plan` and `sync`: the action's runSync with git as the change source, and its report printed. */
import type { ChangeSet } from '../changes/types.js'
import type { RunContext } from '../context.js'
import type { Log } from '../log.js'
import { countOutcomes, type SyncReport } from '../plan.js'
import { planJson } from '../report.js'
import { type RunSyncResult, runSync } from '../run-sync.js'
import type { Settings } from '../settings.js'
import { TokenCache } from '../tokens.js'
import { vendorFactory } from '../vendors/registry.js'
import type { VendorAdapter } from '../vendors/types.js'
import { type CliIo, cliGroup, printJson, printLine, type ProgressBar } from './output.js'

export interface SyncCommandInput {
  command: 'plan' | 'sync'
  settings: Settings
  run: RunContext
  log: Log
  io: CliIo
  json: boolean
  detect?: () => Promise<ChangeSet>
  progress?: ProgressBar
  tokenCache?: TokenCache
}

/** Runs the sync (a dry run for `plan`) and returns it; printing is left to `printSync`. */
export async function syncCommand(o: SyncCommandInput): Promise<RunSyncResult> {
  const { progress } = o
  return runSync(o.settings, o.run, {
    log: o.log,
    octokit: undefined,
    group: cliGroup(o.log),
    tokenCache: o.tokenCache ?? new TokenCache(),
    detect: o.detect,
    vendor: progress ? (settings, deps) => withProgress(vendorFactory(settings.vendor)(settings, deps), progress) : undefined,
    onPlan: (plan) => {
      const writes = plan.filter((i) => i.action === 'upload' || i.action === 'replace' || i.action === 'delete').length
      if (progress && !o.settings.dryRun && writes > 0) progress.start(writes, 'starting')
    }
  }).finally(() => progress?.finish())
}

/** Exit code of a finished sync: 1 when a doc or the run failed. */
export function syncExitCode(report: SyncReport): number {
  return report.errors.length > 0 || countOutcomes(report.items).failed > 0 ? 1 : 0
}

/** The report as a JSON document: the action's `plan` output rows, with the counts and the run's problems. */
export function syncJson(command: string, report: SyncReport): Record<string, unknown> {
  return {
    command,
    ok: syncExitCode(report) === 0,
    vendor: report.vendor,
    store: report.store ? { id: report.store.id, name: report.store.name, exists: report.store.exists, created: report.store.created } : null,
    scope: report.scope,
    scope_reason: report.scopeReason,
    dry_run: report.dryRun,
    counts: countOutcomes(report.items),
    items: JSON.parse(planJson(report)) as unknown,
    errors: report.errors,
    warnings: report.warnings
  }
}

export function printSync(io: CliIo, command: string, report: SyncReport, json: boolean, log: Log): void {
  for (const w of report.warnings) log.warning(w)
  for (const e of report.errors) log.error(e)
  if (json) {
    printJson(io.stdout, syncJson(command, report))
    return
  }
  const out = (line: string) => printLine(io.stdout, line)
  const store = report.store ? `${report.store.name} (${report.store.id})${report.store.exists ? '' : ', does not exist yet'}` : 'no store'
  out(`${report.dryRun ? 'Plan' : 'Sync'} for ${report.vendorName} → ${store}`)
  out(`Scope: ${report.scope === 'full' ? 'every doc (full reconcile)' : 'the diff'}: ${report.scopeReason}`)
  if (report.items.length === 0) out('Nothing to do: no matching doc changed.')
  for (const i of report.items) {
    const detail = i.detail ? ` (${i.detail})` : ''
    out(`  ${i.outcome === 'planned' ? i.action.padEnd(9) : i.outcome.padEnd(10)} ${i.path} — ${i.reason}${detail}`)
  }
  const c = countOutcomes(report.items)
  out(
    report.dryRun
      ? `Dry run: ${c.planned} writes planned, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.kept} kept. Nothing was written; \`knowledge-sync sync\` carries it out.`
      : `Done: ${c.uploaded} uploaded, ${c.deleted} deleted, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.failed} failed.`
  )
}

/**
 * The adapter with each finished write counted on the bar. A Proxy rather than a copy: adapters
 * keep state (tokens, the store id) on themselves, and every other call must reach the original.
 */
function withProgress(adapter: VendorAdapter, bar: ProgressBar): VendorAdapter {
  const upload: VendorAdapter['upload'] = (doc, previous) => adapter.upload(doc, previous).finally(() => bar.tick(doc.path))
  const remove: VendorAdapter['remove'] = (remote) => adapter.remove(remote).finally(() => bar.tick(remote.key))
  const uploadBatch: VendorAdapter['uploadBatch'] = adapter.uploadBatch
    ? async (docs, ctx) => {
        const result = await adapter.uploadBatch!(docs, ctx)
        for (const key of result.done.keys()) bar.tick(key)
        return result
      }
    : undefined
  const replaced: Partial<VendorAdapter> = { upload, remove, uploadBatch }
  return new Proxy(adapter, {
    get(target, prop) {
      if (Object.hasOwn(replaced, prop)) return replaced[prop as keyof VendorAdapter]
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}
