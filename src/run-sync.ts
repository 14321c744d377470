import * as core from '@actions/core'
import type { getOctokit } from '@actions/github'
import { detectChanges } from './changes/detect.js'
import type { ChangeSet } from './changes/types.js'
import type { RunContext } from './context.js'
import { collectAll, collectPaths, pathMatcher, type Collected } from './docs/collect.js'
import type { LocalDoc, SkippedFile } from './docs/types.js'
import { errorMessage } from './errors.js'
import type { Log } from './log.js'
import type { PlanItem, SyncReport } from './plan.js'
import { planSync, unchangedTest } from './planner.js'
import { syncMode, type Settings } from './settings.js'
import type { TokenCache } from './tokens.js'
import { executePlan } from './execute-plan.js'
import { vendorFactory } from './vendors/registry.js'
import { checkWorkspace } from './workspace.js'
import type { VendorFactory } from './vendors/registry.js'
import type { RemoteDoc, VendorAdapter } from './vendors/types.js'

export interface RunSyncDeps {
  log: Log
  octokit: ReturnType<typeof getOctokit> | undefined
  /** Runs `fn` inside a collapsible log group (core.group in production). */
  group: <T>(name: string, fn: () => Promise<T>) => Promise<T>
  /** OAuth tokens of this run, shared with the agent step so it signs in once. */
  tokenCache: TokenCache
  /** Builds the store's adapter; the registry's factory for `settings.vendor` unless a test brings its own store. */
  vendor?: VendorFactory
  /** Finds what changed; the event's diff (src/changes/detect.ts) unless a front end without an event brings its own (the CLI's `--since`). */
  detect?: () => Promise<ChangeSet>
  /** Told the plan before it is carried out (the CLI sizes its progress bar with it). */
  onPlan?: (plan: readonly PlanItem[]) => void
}

export interface RunSyncResult {
  report: SyncReport
  changes: ChangeSet
  /** Repo-relative paths of docs the event changed (for the agent prompt). */
  changedDocPaths: string[]
  adapter: VendorAdapter
}

/**
 * The sync, start to end: find what changed, read the docs, ask the store what it holds, plan,
 * and (unless dry-run) carry the plan out. Returns the report; throws only for run-level failures
 * (bad credential, unreachable store), never for one file.
 */
export async function runSync(settings: Settings, run: RunContext, deps: RunSyncDeps): Promise<RunSyncResult> {
  const { log } = deps
  const factory = deps.vendor ?? vendorFactory(settings.vendor)
  const namespace = settings.namespace || run.repository
  const adapter = factory(settings, { log, repository: run.repository, namespace, sha: run.sha, tokenCache: deps.tokenCache })
  const matches = pathMatcher(settings.paths)

  // Before anything is read or written: an empty or foreign workspace would read as every doc deleted.
  // It comes before the sign-in too, so such a run sends the vendor nothing at all.
  await checkWorkspace(run, log)
  // Signing in does not depend on the change, so it runs while git and the Actions API find it:
  // one round trip less. It is awaited (and any failure reported) where it always was; the catch
  // only keeps a failure from counting as unhandled in the meantime.
  const signedIn = adapter.authenticate()
  signedIn.catch(() => undefined)

  const changes = await deps.group('Finding changed docs', async () => {
    const c = deps.detect ? await deps.detect() : await detectChanges({ run, mode: syncMode(settings), octokit: deps.octokit, log })
    if (c.kind === 'full') log.notice(`Full reconcile: ${c.reason}`)
    else log.info(`${c.changes.length} changed files, from ${c.source}`)
    return c
  })

  const collectOptions = { workspace: run.workspace, patterns: settings.paths, remotePrefix: settings.remotePrefix, maxBytes: adapter.maxFileBytes }
  let changedDocPaths: string[] = []
  const collected: Collected & { missing: string[] } = await deps.group('Reading docs', async () => {
    if (changes.kind === 'full') {
      const all = await collectAll(collectOptions)
      log.info(`${all.docs.length} docs match ${settings.paths.join(', ')}${all.skipped.length ? `; ${all.skipped.length} skipped` : ''}`)
      return { ...all, missing: [] }
    }
    const candidates = new Set<string>()
    for (const c of changes.changes) {
      if (matches(c.path)) candidates.add(c.path)
      if (c.previousPath && matches(c.previousPath)) candidates.add(c.previousPath)
    }
    changedDocPaths = [...candidates].sort()
    const some = await collectPaths(collectOptions, changedDocPaths)
    log.info(`${changes.changes.length} files changed; ${candidates.size} paths among them (old and new names of renames) match ${settings.paths.join(', ')}`)
    return some
  })
  if (changes.kind === 'full') changedDocPaths = collected.docs.map((d) => d.path)

  // Files the vendor cannot take are skipped before any request.
  const docs: LocalDoc[] = []
  const skipped = [...collected.skipped]
  for (const doc of collected.docs) {
    const why = adapter.rejects?.(doc)
    if (why) skipped.push({ path: doc.path, reason: why })
    else docs.push(doc)
  }

  const store = await deps.group(`Connecting to ${adapter.displayName}`, async () => {
    await signedIn
    const s = await adapter.ensureStore({ create: settings.createIfMissing, dryRun: settings.dryRun })
    log.info(`Store: ${s.name} (${s.id})${s.created ? ', created by this run' : ''}${s.exists ? '' : ', does not exist yet'}`)
    return s
  })
  const remote = store.exists ? await adapter.listOwned() : []
  log.info(`The store holds ${remote.length} docs synced by this action under ${namespace}.`)
  const isUnchanged = unchangedTest(adapter)
  const contentful = adapter.noContent ? await withoutContentless(adapter.noContent.bind(adapter), docs, remote, isUnchanged, skipped) : docs
  const namespaceWarnings =
    changes.kind === 'full' && remote.length === 0 && contentful.length > 0 && adapter.otherNamespaces
      ? await otherNamespaceWarnings(adapter.otherNamespaces(contentful.map((d) => d.key)), namespace, log)
      : []

  const plan = planSync({
    changes,
    docs: contentful,
    skipped,
    missing: collected.missing,
    remote,
    matches,
    remotePrefix: settings.remotePrefix,
    onRemoved: settings.onRemoved,
    isUnchanged
  })
  await deps.group('Plan', async () => {
    if (plan.length === 0) log.info('Nothing to do: no matching doc changed.')
    for (const item of plan) log.info(`${item.action.padEnd(9)} ${item.path} — ${item.reason}`)
  })
  deps.onPlan?.(plan)

  const executed = await deps.group(settings.dryRun ? 'Dry run: nothing is written' : `Syncing to ${adapter.displayName}`, () =>
    executePlan(plan, adapter, {
      dryRun: settings.dryRun,
      concurrency: settings.concurrency,
      maxDeletions: settings.maxDeletions,
      uploadStrategy: settings.uploadStrategy,
      fullScope: changes.kind === 'full',
      allDocs: contentful,
      remote,
      log
    })
  )

  const report: SyncReport = {
    vendor: adapter.id,
    vendorName: adapter.displayName,
    store,
    scope: changes.kind,
    scopeReason: changes.kind === 'full' ? changes.reason : changes.source,
    dryRun: settings.dryRun,
    items: executed.items,
    errors: executed.errors,
    warnings: [...namespaceWarnings, ...executed.warnings]
  }
  return { report, changes, changedDocPaths, adapter }
}

/**
 * The docs that hold something the vendor can keep; the others join `skipped` as `noContent`. An
 * unchanged doc is not read again: its copy in the store was made from the same bytes.
 */
async function withoutContentless(
  noContent: NonNullable<VendorAdapter['noContent']>,
  docs: readonly LocalDoc[],
  remote: readonly RemoteDoc[],
  isUnchanged: (local: LocalDoc, remote: RemoteDoc) => boolean,
  skipped: SkippedFile[]
): Promise<LocalDoc[]> {
  const remoteByKey = new Map(remote.map((r) => [r.key, r]))
  const kept: LocalDoc[] = []
  for (const doc of docs) {
    const held = remoteByKey.get(doc.key)
    const why = held && isUnchanged(doc, held) ? undefined : await noContent(doc)
    if (why) skipped.push({ path: doc.path, reason: why, noContent: true })
    else kept.push(doc)
  }
  return kept
}

export const coreGroup: RunSyncDeps['group'] = (name, fn) => core.group(name, fn)

/**
 * A renamed repository's runs use the new name, so the docs stored under the old one are neither
 * replaced nor deleted: say so on the first full reconcile, when the new namespace owns nothing yet.
 */
async function otherNamespaceWarnings(found: Promise<string[]>, namespace: string, log: Log): Promise<string[]> {
  let others: string[]
  try {
    others = await found
  } catch (error) {
    log.debug(`Could not look for docs under other namespaces: ${errorMessage(error)}`)
    return []
  }
  return others.map((other) =>
    other === ''
      ? `The store holds docs with the same paths that an earlier version of this action wrote without a namespace. ` +
        `This run stores its docs under ${namespace}/ and never changes or deletes those: delete them by hand, or agents find each doc twice.`
      : `Nothing in the store is under ${namespace} yet, but it holds docs with the same paths under ${other}, written by this action (was the repository renamed?). ` +
        `This run neither replaces nor deletes them. To keep managing them, set \`namespace: ${other}\` in the step; otherwise delete them by hand.`
  )
}
