/**
 * A VendorAdapter that keeps docs in a Map, so runSync runs in-process with no vendor at all. It
 * holds itself to the contract in src/vendors/types.ts and throws where a careless caller would
 * break it: nothing before authenticate and ensureStore, no write after a dry-run ensureStore, no
 * listing, replacing or deleting of docs the action does not own, and a failed upload leaves the
 * previous version in place.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { LocalDoc } from '../../src/docs/types.js'
import type { RemoteDoc, RemoveResult, StoreInfo, UploadResult, VendorAdapter } from '../../src/vendors/types.js'
import type { VendorFactory, VendorId } from '../../src/vendors/registry.js'

export interface StoredDoc {
  readonly content: string
  /** sha256 of the content, hex, as vendors that list digests report it. */
  readonly digest: string
  /** False for docs a person added by hand: the action must never list, replace or delete them. */
  readonly owned: boolean
}

export class MemoryStore implements VendorAdapter {
  readonly id: VendorId
  readonly displayName = 'Memory store'
  readonly maxFileBytes: number
  /** What the store holds, by key. */
  readonly docs = new Map<string, StoredDoc>()
  /** Keys whose upload the store refuses. */
  readonly failUpload = new Set<string>()
  /** Every call in order: `authenticate`, `ensureStore`, `listOwned`, `upload docs/a.md`, `remove docs/b.md`. */
  readonly calls: string[] = []
  private exists: boolean
  private authenticated = false
  /** Set by ensureStore; undefined until then. */
  private dryRun: boolean | undefined

  constructor(opts: { id?: VendorId; exists?: boolean; maxFileBytes?: number } = {}) {
    this.id = opts.id ?? 'staffify'
    this.exists = opts.exists ?? true
    this.maxFileBytes = opts.maxFileBytes ?? 1024 * 1024
  }

  /** Injects this store into runSync in place of the vendor registry. */
  readonly factory: VendorFactory = () => this

  /** Puts docs in the store as an earlier run (owned) or a person (not owned) left them. */
  seed(docs: Record<string, string>, opts: { owned?: boolean } = {}): void {
    for (const [key, content] of Object.entries(docs)) this.docs.set(key, { content, digest: sha256(content), owned: opts.owned ?? true })
  }

  /** Key → content of everything in the store, owned or not, sorted by key. */
  contents(): Record<string, string> {
    return Object.fromEntries([...this.docs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, doc]) => [key, doc.content]))
  }

  /** The write calls (uploads and removes) in order. */
  writes(): string[] {
    return this.calls.filter((c) => c.startsWith('upload ') || c.startsWith('remove '))
  }

  async authenticate(): Promise<void> {
    this.calls.push('authenticate')
    this.authenticated = true
  }

  async ensureStore(opts: { create: boolean; dryRun: boolean }): Promise<StoreInfo> {
    this.calls.push('ensureStore')
    if (!this.authenticated) throw new Error('memory store: ensureStore before authenticate')
    this.dryRun = opts.dryRun
    if (this.exists) return { id: 'mem', name: 'memory', created: false, exists: true }
    if (!opts.create) throw new Error('memory store: the store does not exist and creating it is not allowed')
    if (opts.dryRun) return { id: '-', name: 'memory', created: false, exists: false }
    this.exists = true
    return { id: 'mem', name: 'memory', created: true, exists: true }
  }

  async listOwned(): Promise<RemoteDoc[]> {
    this.calls.push('listOwned')
    if (this.dryRun === undefined || !this.exists) throw new Error('memory store: listOwned before ensureStore found the store')
    return [...this.docs].filter(([, doc]) => doc.owned).map(([key, doc]) => ({ key, ids: [`mem:${key}`], digest: doc.digest }))
  }

  async upload(doc: LocalDoc, previous: RemoteDoc | undefined): Promise<UploadResult> {
    this.beforeWrite(`upload ${doc.key}`)
    const held = this.docs.get(doc.key)
    if (held && !held.owned) throw new Error(`memory store: ${doc.key} was added by hand; the action must not replace it`)
    if (previous && previous.key !== doc.key) throw new Error(`memory store: upload of ${doc.key} was given ${previous.key} as its previous version`)
    if (this.failUpload.has(doc.key)) throw new Error(`memory store refused ${doc.key}`)
    const bytes = await readFile(doc.absPath)
    this.docs.set(doc.key, { content: bytes.toString('utf8'), digest: sha256(bytes), owned: true })
    return { detail: previous ? 'replaced in memory' : 'stored in memory' }
  }

  async remove(remote: RemoteDoc): Promise<RemoveResult> {
    this.beforeWrite(`remove ${remote.key}`)
    const held = this.docs.get(remote.key)
    if (!held) throw new Error(`memory store: ${remote.key} is not in the store`)
    if (!held.owned) throw new Error(`memory store: ${remote.key} was added by hand; the action must not delete it`)
    this.docs.delete(remote.key)
    return { action: 'deleted' }
  }

  private beforeWrite(call: string): void {
    this.calls.push(call)
    if (this.dryRun === undefined) throw new Error(`memory store: ${call} before ensureStore`)
    if (this.dryRun) throw new Error(`memory store: ${call} in a dry run`)
  }
}

function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex')
}
