/**
 * The doctor without a vendor: paging of undocumented listings, checksum recognition, the run's
 * promise to clean up whatever happens (with a scripted vendor doctor and the in-memory store),
 * and the report's text.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { toRunContext } from '../../src/context.js'
import { canaryDoc, checksumAlgorithm } from '../../src/doctor/canary.js'
import { removeCanaries } from '../../src/doctor/cleanup.js'
import { readAllPages, readPage } from '../../src/doctor/paging.js'
import { doctorJson, doctorSummaryMarkdown, verdict } from '../../src/doctor/render.js'
import { runDoctor } from '../../src/doctor/run.js'
import { DoctorSession } from '../../src/doctor/session.js'
import type { VendorDoctor } from '../../src/doctor/contract.js'
import type { Leftover } from '../../src/doctor/types.js'
import { memoryLog } from '../../src/log.js'
import { TokenCache } from '../../src/tokens.js'
import { settingsFrom } from '../helpers/fixtures.js'
import { MemoryStore } from '../helpers/memory-store.js'
import { workflowDispatchPayload } from '../helpers/payloads.js'

describe('readPage / readAllPages', () => {
  it('takes a plain array, or a wrapper without page fields, as the whole listing', async () => {
    expect(await readAllPages(async () => [{ id: 1 }, { id: 2 }])).toMatchObject({
      items: [{ id: 1 }, { id: 2 }],
      pages: 1,
      paged: false,
      followedToEnd: true,
      note: 'a plain JSON array of 2'
    })
    expect(await readAllPages(async () => ({ data: [{ id: 'a' }] }))).toMatchObject({
      pages: 1,
      paged: false,
      note: 'one answer of 1 in `data`, no page fields'
    })
  })

  it('follows Spring pages (0-based `number`) and Telzino pages (`pagination`) to the end', async () => {
    const spring = (n: number) => ({ content: [{ id: `s${n}` }], number: n, size: 1, totalPages: 3 })
    const asked: Array<number | undefined> = []
    const read = await readAllPages(async (page) => {
      asked.push(page?.number)
      return spring(page?.number ?? 0)
    })
    expect(asked).toEqual([undefined, 1, 2])
    expect(read).toMatchObject({ pages: 3, paged: true, followedToEnd: true })
    expect(read.items).toEqual([{ id: 's0' }, { id: 's1' }, { id: 's2' }])

    const telzino = (n: number) => ({ data: [{ id: `t${n}` }, { id: `u${n}` }], pagination: { page: n, limit: 2, total: 3, totalPages: 2, hasNext: n < 2 } })
    const t = await readAllPages(async (page) => (page ? telzino(page.number) : telzino(1)))
    expect(t).toMatchObject({ pages: 2, paged: true, followedToEnd: true })
    expect(t.items).toHaveLength(4)
  })

  it('stops, and says so, when the server answers the same page again', async () => {
    const read = await readAllPages(async () => ({ items: [{ id: 'same' }], page: 1, size: 1, total: 5 }))
    expect(read).toMatchObject({ pages: 1, followedToEnd: false })
    expect(read.note).toMatch(/repeated an earlier page, so the server ignores the page parameter/)
  })

  it('refuses a body that holds no list', async () => {
    expect(readPage({ message: 'hi' })).toBeUndefined()
    await expect(readAllPages(async () => 'nope')).rejects.toThrow(/neither a JSON array nor an object holding one/)
  })
})

describe('checksumAlgorithm', () => {
  const bytes = Buffer.from('# canary\n')
  const digest = (a: string) => createHash(a).update(bytes).digest()
  it('names the digest a checksum is, in hex of either case or base64', () => {
    expect(checksumAlgorithm(digest('sha256').toString('hex'), bytes)).toBe('sha256')
    expect(checksumAlgorithm(digest('md5').toString('hex').toUpperCase(), bytes)).toBe('md5')
    expect(checksumAlgorithm(digest('sha1').toString('base64'), bytes)).toBe('sha1 (base64)')
    expect(checksumAlgorithm('crc32:1234', bytes)).toBeUndefined()
  })
})

describe('canaryDoc', () => {
  it('lives under .knowledge-sync-doctor in the namespace and says what it is', () => {
    const c = canaryDoc('/octo/docs/', '42-1-abcdef', 'Staffify')
    expect(c.key).toBe('octo/docs/.knowledge-sync-doctor/42-1-abcdef.md')
    expect(c.stem).toBe('octo/docs/.knowledge-sync-doctor/42-1-abcdef')
    expect(c.text).toMatch(/uploaded this document in `mode: doctor`.*deletes it again/s)
    expect(c.digests.sha256).toBe(createHash('sha256').update(c.bytes).digest('hex'))
  })
})

/** A vendor doctor that does what the test scripts, recording into the session like a real one. */
function scripted(opts: { canary?: (s: DoctorSession) => Promise<void>; cleanUp?: (s: DoctorSession) => Promise<Leftover[]>; noCanary?: string }) {
  const calls: string[] = []
  const doctor: VendorDoctor = {
    assumptions: [
      { id: 'listing', text: 'The listing is one array', source: '[gap]' },
      { id: 'upload', text: 'An upload is accepted', source: '[doc]' }
    ],
    noCanary: opts.noCanary,
    async list(_store, s) {
      calls.push('list')
      Object.assign(s.listing, { total: 3, pages: 1, paged: false, followedToEnd: true })
      s.held('listing', 'a plain JSON array of 3')
    },
    async canary(_store, s) {
      calls.push('canary')
      await opts.canary?.(s)
    },
    async cleanUp(_store, s) {
      calls.push('cleanUp')
      return opts.cleanUp ? opts.cleanUp(s) : []
    }
  }
  return { doctor, calls }
}

async function doctorRun(doctor: VendorDoctor, extra: Record<string, string> = {}) {
  const store = new MemoryStore()
  store.docs.set('docs/a.md', { content: 'A', digest: 'x', owned: true })
  const settings = settingsFrom({ vendor: 'staffify', 'api-key': 'unused', 'knowledge-base': 'docs', mode: 'doctor', ...extra })
  const run = toRunContext(
    {
      eventName: 'workflow_dispatch',
      sha: 'a'.repeat(40),
      payload: workflowDispatchPayload({ owner: 'octo', name: 'docs' }),
      serverUrl: '',
      apiUrl: '',
      repo: { owner: 'octo', repo: 'docs' }
    },
    '/ws'
  )
  const log = memoryLog()
  const report = await runDoctor(settings, run, {
    log,
    group: (_n, fn) => fn(),
    tokenCache: new TokenCache(),
    runId: '7-1-abcdef',
    vendor: () => store,
    doctor: () => doctor
  })
  return { report, log }
}

describe('runDoctor', () => {
  it('lists through the adapter, runs the canary, cleans up, and holds when every check held', async () => {
    const { doctor, calls } = scripted({
      canary: async (s) => {
        await s.step('Upload the canary', async () => s.wrote('canary', 'c-1'))
        s.held('upload', 'HTTP 201')
      }
    })
    const { report } = await doctorRun(doctor)
    expect(calls).toEqual(['list', 'canary', 'cleanUp'])
    expect(report.ok).toBe(true)
    expect(report.listing).toMatchObject({ total: 3, owned: 1 })
    expect(report.canary).toMatchObject({
      key: 'octo/docs/.knowledge-sync-doctor/7-1-abcdef.md',
      created: [{ what: 'canary', id: 'c-1' }],
      removed: true,
      leftovers: []
    })
    expect(report.steps.map((s) => [s.name, s.outcome])).toEqual([
      ['Authenticate', 'done'],
      ['Find the store', 'done'],
      ['List the store', 'done'],
      ['Upload the canary', 'done'],
      ['Remove the canary and confirm by listing', 'done']
    ])
    expect(verdict(report)).toBe('every checked assumption held, and the canary was removed, confirmed by listing')
  })

  it('cleans up after a step fails half-way, names the step, and leaves the rest unchecked', async () => {
    const { doctor, calls } = scripted({
      canary: async (s) => {
        await s.step('Upload the canary', async () => {
          s.wrote('canary', 'c-1')
          throw new Error('storage said no')
        })
      }
    })
    const { report } = await doctorRun(doctor)
    expect(calls).toEqual(['list', 'canary', 'cleanUp'])
    expect(report.ok).toBe(false)
    expect(report.failedStep).toEqual({ name: 'Upload the canary', error: 'storage said no' })
    expect(report.canary.removed).toBe(true)
    expect(report.checks.find((c) => c.id === 'upload')).toMatchObject({
      result: 'could not check',
      observed: 'not reached: the run stopped at "Upload the canary"'
    })
  })

  it('lists what it could not remove, with the id to delete by hand, when the clean-up itself fails', async () => {
    const { doctor } = scripted({
      canary: async (s) => {
        await s.step('Upload the canary', async () => s.wrote('canary source', 'src-9'))
        s.held('upload', 'HTTP 201')
      },
      cleanUp: async () => {
        throw new Error('HTTP 503')
      }
    })
    const { report } = await doctorRun(doctor)
    expect(report.ok).toBe(false)
    expect(report.canary.removed).toBe(false)
    expect(report.canary.leftovers).toEqual([{ what: 'canary source', id: 'src-9', how: 'the clean-up failed (HTTP 503); delete it by hand' }])
    expect(report.failedStep?.name).toBe('Remove the canary and confirm by listing')
    expect(doctorSummaryMarkdown(report)).toMatch(/### Left behind: delete by hand[\s\S]*\| canary source \| `src-9` \|/)
  })

  it('writes nothing in a dry run, nor for a vendor without a canary', async () => {
    for (const [extra, noCanary, why] of [
      [{ 'dry-run': 'true' }, undefined, /dry run writes nothing/],
      [{}, 'no delete here', /no delete here/]
    ] as const) {
      const { doctor, calls } = scripted({ noCanary })
      const { report } = await doctorRun(doctor, extra)
      expect(calls).toEqual(['list'])
      expect(report.ok).toBe(true)
      expect(report.canary.skipped).toMatch(why)
      expect(report.checks.find((c) => c.id === 'upload')?.observed).toMatch(/^not checked: /)
    }
  })
})

describe('the report as text', () => {
  it('escapes what the vendor said in the summary, and gives the JSON in snake_case', async () => {
    const { doctor } = scripted({
      canary: async (s) => {
        await s.step('Upload the canary', async () => s.wrote('canary', 'c-1'))
        s.notHeld('upload', 'HTTP 400 | <b>no</b>', 'the action copes')
      }
    })
    const { report } = await doctorRun(doctor)
    const md = doctorSummaryMarkdown(report)
    expect(md).toContain('| ❌ did not hold | An upload is accepted | HTTP 400 \\| &lt;b&gt;no&lt;/b&gt; — _the action copes_ | [doc] |')
    expect(md).toMatch(/^> ❌ 1 assumption did not hold$/m)
    const json = JSON.parse(doctorJson(report))
    expect(json).toMatchObject({ vendor: 'staffify', ok: false, failed_step: null, listing: { followed_to_end: true, owned: 1 }, canary: { removed: true } })
    expect(json.checks.map((c: { id: string; result: string }) => `${c.id}:${c.result}`)).toEqual(['listing:held', 'upload:did not hold'])
  })
})

describe('removeCanaries', () => {
  const session = () => new DoctorSession([{ id: 'delete-thing', text: 'DELETE removes a thing', source: '[doc]' }], memoryLog(), (_name, fn) => fn())
  const cleanup = (store: Map<string, string>, refuse: Set<string>, ignore: Set<string>) => ({
    ids: [...store.keys()],
    deleteOne: async (id: string) => {
      if (refuse.has(id)) throw new Error('HTTP 500')
      if (!ignore.has(id)) store.delete(id)
    },
    listed: async () => [...store].map(([id, name]) => ({ id, name })),
    check: 'delete-thing',
    noun: ['canary thing', 'canary things'] as const,
    what: (c: { name?: string }) => `canary thing (${c.name})`,
    byHand: (id: string) => `delete ${id} by hand`,
    waitMs: 60,
    pollMs: 10
  })

  it('deletes every canary and records the check as held once the listing shows none', async () => {
    const s = session()
    const store = new Map([
      ['1', 'a'],
      ['2', 'b']
    ])
    expect(await removeCanaries(cleanup(store, new Set(), new Set()), s)).toEqual([])
    expect(store.size).toBe(0)
    expect(s.checkRows('-')[0]).toMatchObject({ result: 'held', observed: '2 canary things deleted and gone from the listing' })
  })

  it('names each canary still listed, why, and how to remove it by hand; the check did not hold', async () => {
    const s = session()
    const store = new Map([
      ['1', 'a'],
      ['2', 'b'],
      ['3', 'c']
    ])
    const left = await removeCanaries(cleanup(store, new Set(['1']), new Set(['2'])), s)
    expect(left).toEqual([
      { what: 'canary thing (a)', id: '1', how: 'the DELETE failed (HTTP 500); delete 1 by hand' },
      { what: 'canary thing (b)', id: '2', how: 'still listed after its DELETE; delete 2 by hand' }
    ])
    expect(s.checkRows('-')[0]).toMatchObject({ result: 'did not hold', observed: '2 of 3 canary things still listed after their DELETE' })
  })
})
