/**
 * Which Knowledge Source objects are the action's, and which of them holds a doc's current
 * version. Pure: the adapter and the zip batch decide what to keep and delete from these.
 */
import type { LocalDoc } from '../../docs/types.js'
import { keyInNamespace } from '../../namespace.js'
import type { RemoteDoc } from '../types.js'
import type { KnowledgeObject } from './schema.js'

/** Everything the KS holds under one file path that the action may manage. */
export interface PathObjects {
  /** The doc key: the file path without `<namespace>/`. */
  key: string
  objects: KnowledgeObject[]
}

/**
 * The doc key of an object this namespace owns, or undefined: ours are uploaded (not standalone)
 * with a file path under `<namespace>/`. Standalone objects (added by hand in the portal) and other
 * namespaces' objects never are.
 */
export function ownedKey(o: KnowledgeObject, namespace: string): string | undefined {
  if (o.standalone === true || typeof o.file_path !== 'string') return undefined
  return keyInNamespace(namespace, listedPath(o.file_path))
}

/**
 * A listed `file_path` as the name it was uploaded with: some servers list paths with a leading
 * `/` (an S3-style key); no name the action sends starts with one, so stripping it is safe.
 */
export function listedPath(filePath: string): string {
  return filePath.replace(/^\/+/, '')
}

/** A name compared loosely: accents folded, only letters and digits kept, case ignored. */
function loose(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}]/gu, '')
    .replace(/[^ -~]/g, '')
    .toLowerCase()
}

/**
 * The sent name a listed path stands for when the server changed it: the same letters and digits
 * (a sanitised path), or, for a path without folders, the same file name. Undefined when it is
 * none of `sent` (or one of them exactly).
 */
export function renamedFrom(listed: string, sent: readonly string[]): string | undefined {
  const path = listedPath(listed)
  if (sent.includes(path)) return undefined
  const l = loose(path)
  if (l === '') return undefined
  const base = (p: string) => loose(p.split('/').pop() ?? p)
  return sent.find((s) => loose(s) === l) ?? (path.includes('/') ? undefined : sent.find((s) => base(s) === l))
}

/** Whether a checksum has the form of a hex SHA-256, SHA-1 or MD5: the digests the action computes. */
export function comparableChecksum(checksum: string | null | undefined): boolean {
  return typeof checksum === 'string' && /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/i.test(checksum)
}

/** The namespace's objects grouped by doc key, oldest first within a key. */
export function ownedByPath(objects: readonly KnowledgeObject[], namespace: string): Map<string, PathObjects> {
  const out = new Map<string, PathObjects>()
  for (const o of objects) {
    const key = ownedKey(o, namespace)
    if (key === undefined) continue
    const p = out.get(key) ?? { key, objects: [] }
    out.set(key, p)
    p.objects.push(o)
  }
  return out
}

/** Whether the checksum StackSpot reports is one of the doc's digests (its algorithm is undocumented). */
export function matchesDigest(checksum: string | null | undefined, doc: LocalDoc): boolean {
  if (!checksum) return false
  const c = checksum.toLowerCase()
  return c === doc.digests.sha256 || c === doc.digests.sha1 || c === doc.digests.md5
}

/**
 * The object that holds this doc's new version: preferably one that is new (not among the ids
 * before the upload) and carries our bytes, then any new one (the checksum algorithm may not be
 * ours), then an old id that now carries our bytes (a server that replaced in place).
 */
export function newestVersion(objects: readonly KnowledgeObject[], doc: LocalDoc, previousIds: readonly string[]): KnowledgeObject | undefined {
  const fresh = objects.filter((o) => !previousIds.includes(o.id))
  const byAge = (list: KnowledgeObject[]) => list.sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '')).at(-1)
  return byAge(fresh.filter((o) => matchesDigest(o.checksum, doc))) ?? byAge([...fresh]) ?? byAge(objects.filter((o) => matchesDigest(o.checksum, doc)))
}

/** The objects a new version `keep` replaces: the doc's earlier ids and copies of the same bytes. */
export function staleVersions(objects: readonly KnowledgeObject[], keep: KnowledgeObject, doc: LocalDoc, previousIds: readonly string[]): KnowledgeObject[] {
  return objects.filter((o) => o.id !== keep.id && (previousIds.includes(o.id) || matchesDigest(o.checksum, doc)))
}

/** One RemoteDoc per owned file path, with the checksums StackSpot lists. */
export function remoteDocs(objects: readonly KnowledgeObject[], namespace: string): RemoteDoc[] {
  return [...ownedByPath(objects, namespace).values()].map((p) => ({
    key: p.key,
    ids: p.objects.map((o) => o.id),
    // Several objects under one path (an interrupted replace) never count as unchanged.
    digest: p.objects.length === 1 ? (p.objects[0]!.checksum ?? undefined) : undefined,
    meta: { checksums: p.objects.map((o) => o.checksum ?? null) }
  }))
}

/** Unchanged: the path holds one object, and its checksum is one of the doc's digests. */
export function isUnchanged(local: LocalDoc, remote: RemoteDoc): boolean {
  return remote.ids.length === 1 && matchesDigest(remote.digest, local)
}

/** The most recently created of `objects` (listing order breaks ties). */
export function newestOf(objects: readonly KnowledgeObject[]): KnowledgeObject | undefined {
  return [...objects].sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '')).at(-1)
}
