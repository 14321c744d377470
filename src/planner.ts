import type { ChangeSet } from './changes/types.js'
import type { LocalDoc, SkippedFile } from './docs/types.js'
import type { PlanItem } from './plan.js'
import type { Settings } from './settings.js'
import type { RemoteDoc, VendorAdapter } from './vendors/types.js'

export interface PlanInput {
  changes: ChangeSet
  /** Docs on disk in scope: every matching doc (full) or the changed ones that still exist (diff). */
  docs: readonly LocalDoc[]
  /** Matching files that will not be sent (symlinks, too large…). Their remote copy is left alone, unless `noContent`. */
  skipped: readonly SkippedFile[]
  /** Changed paths that matched the globs but are no longer on disk (diff only). */
  missing: readonly string[]
  /** Everything the action owns in the store. */
  remote: readonly RemoteDoc[]
  /** The `paths` globs. */
  matches: (path: string) => boolean
  remotePrefix: string
  onRemoved: Settings['onRemoved']
  isUnchanged: (local: LocalDoc, remote: RemoteDoc) => boolean
}

/** Default change test: the store's digest equals one of ours (its algorithm is often undocumented). */
export function digestMatches(local: LocalDoc, remote: RemoteDoc): boolean {
  if (!remote.digest) return false
  const d = remote.digest.toLowerCase()
  return d === local.digests.sha256 || d === local.digests.sha1 || d === local.digests.md5
}

export function unchangedTest(adapter: Pick<VendorAdapter, 'isUnchanged'>): PlanInput['isUnchanged'] {
  return adapter.isUnchanged ? (l, r) => adapter.isUnchanged!(l, r) : digestMatches
}

/**
 * Decides, per doc, what the run does. Pure: the same inputs always give the same plan, which is
 * what a dry run shows and what the real run then executes.
 *
 * Only remote docs that are ours to manage are ever deleted: owned by the action (the adapter's
 * listing), under our `remote-prefix`, and matching our `paths` globs, so that several repositories
 * or folders can share one store without deleting each other's docs.
 */
export function planSync(input: PlanInput): PlanItem[] {
  const remoteByKey = new Map(input.remote.map((r) => [r.key, r]))
  const items = new Map<string, PlanItem>()
  const renamedFrom = new Map<string, string>()
  const renamedTo = new Map<string, string>()
  if (input.changes.kind === 'diff') {
    for (const c of input.changes.changes) {
      if (c.status === 'renamed' && c.previousPath) {
        renamedFrom.set(c.path, c.previousPath)
        renamedTo.set(c.previousPath, c.path)
      }
    }
  }

  const removal = (path: string, remote: RemoteDoc, why: string): PlanItem =>
    input.onRemoved === 'delete'
      ? { path, key: remote.key, action: 'delete', reason: why, remote }
      : { path, key: remote.key, action: 'keep', reason: `${why}; kept because on-removed is report`, remote }

  for (const s of input.skipped) {
    const remote = remoteByKey.get(input.remotePrefix + s.path)
    // An emptied doc is no longer content: agents must not keep answering from the text it lost.
    if (s.noContent && remote) {
      items.set(s.path, removal(s.path, remote, `${s.reason}; its earlier copy is no longer content`))
      continue
    }
    items.set(s.path, { path: s.path, key: input.remotePrefix + s.path, action: 'skip', reason: s.reason, remote })
  }

  for (const doc of input.docs) {
    const remote = remoteByKey.get(doc.key)
    const from = renamedFrom.get(doc.path)
    const suffix = from ? ` (renamed from ${from})` : ''
    if (!remote) {
      items.set(doc.path, { path: doc.path, key: doc.key, action: 'upload', reason: `new in the store${suffix}`, local: doc, previousPath: from })
    } else if (input.isUnchanged(doc, remote)) {
      items.set(doc.path, {
        path: doc.path,
        key: doc.key,
        action: 'unchanged',
        reason: `same content in the store${suffix}`,
        local: doc,
        remote,
        previousPath: from
      })
    } else {
      // Some stores list no content hash; then only the upload itself can tell (and may find it unchanged).
      const why = remote.digest === undefined && remote.ids.length === 1 ? 'the store lists no content hash; compared on upload' : 'content changed'
      items.set(doc.path, { path: doc.path, key: doc.key, action: 'replace', reason: `${why}${suffix}`, local: doc, remote, previousPath: from })
    }
  }

  if (input.changes.kind === 'full') {
    for (const remote of input.remote) {
      if (!remote.key.startsWith(input.remotePrefix)) continue
      const path = remote.key.slice(input.remotePrefix.length)
      if (items.has(path) || !input.matches(path)) continue
      items.set(path, removal(path, remote, 'no longer in the repository'))
    }
  } else {
    for (const path of input.missing) {
      if (items.has(path)) continue
      const remote = remoteByKey.get(input.remotePrefix + path)
      if (!remote) continue
      const to = renamedTo.get(path)
      items.set(path, removal(path, remote, to ? `renamed to ${to}` : 'deleted from the repository'))
    }
  }

  return [...items.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
