import { describe, expect, it } from 'vitest'
import type { LocalDoc } from '../../src/docs/types.js'
import { memoryLog } from '../../src/log.js'
import type { PlanItem } from '../../src/plan.js'
import { executePlan, type ExecuteOptions } from '../../src/execute-plan.js'
import type { BatchContext, RemoteDoc, VendorAdapter } from '../../src/vendors/types.js'
import { localDoc, remoteDoc } from '../helpers/fixtures.js'

/**
 * The executor's view of a store: digests only, so docs need no file on disk (helpers/memory-store.ts
 * reads real files, for runSync), with switches for failures and a zip-like batch.
 */
class DigestStore implements VendorAdapter {
  readonly id = 'stackspot' as const
  readonly displayName = 'Memory'
  readonly maxFileBytes = 1024
  docs = new Map<string, string>()
  failUpload = new Set<string>()
  batches: Array<{ keys: string[]; ctx: BatchContext }> = []
  async authenticate() {}
  async ensureStore() {
    return { id: 'm', name: 'memory', created: false, exists: true }
  }
  async listOwned(): Promise<RemoteDoc[]> {
    return [...this.docs].map(([key, digest]) => ({ key, ids: [key], digest }))
  }
  async upload(doc: LocalDoc) {
    if (this.failUpload.has(doc.key)) throw new Error(`vendor refused ${doc.key}`)
    this.docs.set(doc.key, doc.digests.sha256)
    return { detail: 'stored' }
  }
  async remove(remote: RemoteDoc) {
    this.docs.delete(remote.key)
    return { action: 'deleted' as const }
  }
  uploadBatch?: VendorAdapter['uploadBatch']
  /** The zip-like batch: docs over 10 bytes do not fit and come back as fallback. */
  batchImpl: NonNullable<VendorAdapter['uploadBatch']> = async (docs, ctx) => {
    this.batches.push({ keys: docs.map((d) => d.key), ctx })
    const done = new Map<string, { detail: string }>()
    const fallback: LocalDoc[] = []
    for (const d of docs) {
      if (d.size > 10) fallback.push(d)
      else {
        this.docs.set(d.key, d.digests.sha256)
        done.set(d.key, { detail: 'in zip' })
      }
    }
    return { done, fallback }
  }
}

const up = (d: LocalDoc, action: 'upload' | 'replace' = 'upload'): PlanItem => ({ path: d.path, key: d.key, action, reason: 'r', local: d })
const del = (key: string): PlanItem => ({ path: key, key, action: 'delete', reason: 'gone', remote: remoteDoc(key) })

function options(_store: DigestStore, over: Partial<ExecuteOptions> = {}): ExecuteOptions {
  return { dryRun: false, concurrency: 3, maxDeletions: 10, uploadStrategy: 'auto', fullScope: false, allDocs: [], remote: [], log: memoryLog(), ...over }
}

describe('executePlan', () => {
  it('fails the run, naming the doc, when an upload left an older copy it could not delete; warnings stay warnings', async () => {
    const store = new DigestStore()
    const a = localDoc('docs/a.md', 'A2')
    const b = localDoc('docs/b.md', 'B2')
    store.upload = async (doc: LocalDoc) =>
      doc.key === a.key
        ? { detail: 'source new', leftovers: ['the previous source old-1 could not be deleted: HTTP 500'] }
        : { detail: 'source new', warnings: ['slow embedding'] }
    const result = await executePlan([up(a, 'replace'), up(b, 'replace')], store, options(store))
    expect(result.items.map((i) => [i.path, i.outcome])).toEqual([
      ['docs/a.md', 'replaced'],
      ['docs/b.md', 'replaced']
    ])
    expect(result.errors).toEqual([
      expect.stringMatching(/^docs\/a\.md: the previous source old-1 could not be deleted: HTTP 500; the store holds an older copy/)
    ])
    expect(result.warnings).toEqual(['docs/b.md: slow embedding'])
  })

  it('uploads then deletes, one outcome per file', async () => {
    const store = new DigestStore()
    store.docs.set('old.md', 'h:old')
    const r = await executePlan([up(localDoc('a.md', 'a')), del('old.md')], store, options(store))
    expect(r.items.map((i) => `${i.path}:${i.outcome}`)).toEqual(['a.md:uploaded', 'old.md:deleted'])
    expect([...store.docs.keys()]).toEqual(['a.md'])
  })

  it("deletes nothing when any upload failed, and keeps the failed doc's old version", async () => {
    const store = new DigestStore()
    store.docs.set('bad.md', 'h:v1')
    store.docs.set('old.md', 'h:old')
    store.failUpload.add('bad.md')
    const r = await executePlan([up(localDoc('bad.md', 'v2'), 'replace'), up(localDoc('ok.md', 'ok')), del('old.md')], store, options(store))
    const byPath = Object.fromEntries(r.items.map((i) => [i.path, i]))
    expect(byPath['bad.md']!.outcome).toBe('failed')
    expect(byPath['bad.md']!.detail).toMatch(/vendor refused/)
    expect(byPath['ok.md']!.outcome).toBe('uploaded')
    expect(byPath['old.md']!.outcome).toBe('skipped')
    expect(store.docs.get('bad.md')).toBe('h:v1')
    expect(store.docs.has('old.md')).toBe(true)
  })

  it('fails and deletes nothing when deletions exceed max-deletions', async () => {
    const store = new DigestStore()
    for (const k of ['a', 'b', 'c']) store.docs.set(k, k)
    const r = await executePlan([del('a'), del('b'), del('c')], store, options(store, { maxDeletions: 2 }))
    expect(r.errors[0]).toMatch(/3 remote docs would be deleted, more than max-deletions \(2\)/)
    expect(r.items.every((i) => i.outcome === 'failed')).toBe(true)
    expect(store.docs.size).toBe(3)
  })

  it('writes nothing in a dry run and marks every write as planned', async () => {
    const store = new DigestStore()
    store.docs.set('old.md', 'x')
    const r = await executePlan([up(localDoc('a.md', 'a')), del('old.md')], store, options(store, { dryRun: true }))
    expect(r.items.map((i) => i.outcome)).toEqual(['planned', 'planned'])
    expect([...store.docs.keys()]).toEqual(['old.md'])
  })

  it('uses the batch where the vendor has one and uploads what did not fit one by one', async () => {
    const store = new DigestStore()
    store.uploadBatch = store.batchImpl
    const small = localDoc('s.md', 'small')
    const big = localDoc('b.md', 'this is more than ten bytes')
    const r = await executePlan([up(small), up(big)], store, options(store, { fullScope: true, allDocs: [small, big] }))
    expect(store.batches).toHaveLength(1)
    expect(store.batches[0]!.ctx.completeSnapshot).toBe(true)
    expect(r.items.map((i) => `${i.path}:${i.outcome}:${i.detail}`)).toEqual(['s.md:uploaded:in zip', 'b.md:uploaded:stored'])
  })

  it("never lets the vendor delete by itself when the store holds owned docs outside this run's scope", async () => {
    const store = new DigestStore()
    store.uploadBatch = store.batchImpl
    const a = localDoc('a.md', 'a')
    const r = await executePlan([up(a)], store, options(store, { fullScope: true, allDocs: [a], remote: [remoteDoc('other-folder/x.md')] }))
    expect(r.items[0]!.outcome).toBe('uploaded')
    expect(store.batches[0]!.ctx.completeSnapshot).toBe(false)
  })
})
