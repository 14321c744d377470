/** Builders for the values tests keep writing out: docs on both sides, settings and sync reports. */
import type { LocalDoc } from '../../src/docs/types.js'
import { readSettings } from '../../src/inputs.js'
import type { ItemResult, SyncReport } from '../../src/plan.js'
import type { Settings } from '../../src/settings.js'
import type { RemoteDoc } from '../../src/vendors/types.js'

/**
 * A doc as collect returns it, for code that never reads the file. The digests are readable
 * stand-ins (`sha256:<content>`) that `remoteDoc(key, content)` matches.
 */
export function localDoc(path: string, content = path, prefix = ''): LocalDoc {
  return {
    path,
    key: prefix + path,
    absPath: `/ws/${path}`,
    size: content.length,
    digests: { sha256: `sha256:${content}`, sha1: `sha1:${content}`, md5: `md5:${content}` }
  }
}

/** An owned doc as a store lists it, holding `content` (same stand-in digest as `localDoc`). */
export function remoteDoc(key: string, content = key): RemoteDoc {
  return { key, ids: [`id-${key}`], digest: `sha256:${content}` }
}

/** Settings exactly as the action builds them from these inputs; unset inputs take action.yml's defaults. */
export function settingsFrom(inputs: Record<string, string>, eventName = 'workflow_dispatch'): Settings {
  return readSettings((name) => inputs[name] ?? '', eventName)
}

/** A sync report with no items; pass what the test is about. */
export function syncReport(over: Partial<SyncReport> = {}): SyncReport {
  return { vendor: 'stackspot', vendorName: 'StackSpot', scope: 'diff', scopeReason: 'push', dryRun: false, items: [], errors: [], warnings: [], ...over }
}

/** One row of a report. */
export function itemResult(
  path: string,
  action: ItemResult['action'],
  outcome: ItemResult['outcome'],
  reason: string,
  more: Partial<ItemResult> = {}
): ItemResult {
  return { path, key: path, action, outcome, reason, ...more }
}
