/**
 * End to end: `mode: doctor` through the bundle against the default emulator of every vendor. A
 * doctor run must leave the store exactly as it found it (the emulator's state is compared before
 * and after), also when a fault stops it half-way, and must name what did not hold.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import { startEmulator } from '../../emulator/server.ts'
import { allVendors, type FullEmulator } from '../../emulator/vendors/index.ts'
import { workflowDispatchPayload } from '../helpers/payloads.js'
import { runAction } from '../helpers/run-action.js'

let emu: FullEmulator
let workspace: string
beforeAll(async () => {
  emu = await startEmulator({ vendors: allVendors(), processingMs: 60 })
  workspace = await mkdtemp(join(tmpdir(), 'ks-doctor-'))
})
afterAll(async () => {
  await emu.close()
  await rm(workspace, { recursive: true, force: true })
})
beforeEach(() => emu.reset())

type Vendor = 'stackspot' | 'staffify' | 'telzino' | 'castrel'

interface Report {
  ok: boolean
  verdict: string
  store: { id: string; name: string; created: boolean } | null
  failed_step: { name: string; error: string } | null
  listing: { total: number | null; pages: number | null; paged: boolean | null; followed_to_end: boolean | null; owned: number | null; odd: unknown[] }
  canary: { key: string; skipped: string | null; created: Array<{ what: string; id: string }>; removed: boolean; leftovers: unknown[] }
  checks: Array<{ id: string; result: string; observed: string }>
  observations: Record<string, unknown>
}

async function doctor(vendor: Vendor, extra: Record<string, string> = {}) {
  const r = await runAction({
    inputs: demoInputs(vendor, emu.url, {
      'knowledge-base': vendor === 'stackspot' ? 'docs-ks' : 'Docs',
      mode: 'doctor',
      'processing-timeout': '30',
      ...extra
    }),
    workspace,
    eventName: 'workflow_dispatch',
    payload: workflowDispatchPayload({ owner: 'octo', name: 'docs' }),
    emulatorUrl: emu.url
  })
  const report = r.outputs['doctor-report'] ? (JSON.parse(r.outputs['doctor-report']) as Report) : undefined
  return { ...r, report: report! }
}

const results = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.id, c.result]))
const check = (report: Report, id: string) => report.checks.find((c) => c.id === id)!

/** The store content of each vendor, without timestamps a read-only visit may not touch but a write to a child does. */
function stores() {
  const s = emu.state()
  return {
    stackspot: s.stackspot.knowledgeSources.map(({ object_count: _c, ...ks }) => ks),
    staffify: s.staffify.knowledgeBases.map(({ updated_at: _u, entry_count: _c, ...kb }) => kb),
    telzino: s.telzino.knowledgeBases,
    castrel: s.castrel.entries
  }
}

function seedAll() {
  emu.vendor('stackspot').seed({
    knowledgeSources: [
      {
        slug: 'docs-ks',
        objects: [{ content: 'added by hand' }, { file_path: 'octo/docs/docs/a.md', content: '# A\n', standalone: false }]
      }
    ]
  })
  emu.vendor('staffify').seed({ knowledgeBases: [{ name: 'Docs', entries: [{ q: 'What is this?', a: 'A hand-written entry.' }] }] })
  emu.vendor('telzino').seed({ knowledgeBases: [{ name: 'Docs', sources: [{ name: 'handbook.pdf', content: 'by hand', contentHash: 'x' }] }] })
  emu.vendor('castrel').seed({ entries: [{ name: 'Runbook', type: 'document', data: { document_content: '# Runbook' }, labels: { team: 'sre' } }] })
}

describe('mode: doctor against the default emulator', () => {
  it.each(['stackspot', 'staffify', 'telzino', 'castrel'] as const)(
    '%s: every assumption holds, the canary is removed, the store is unchanged',
    async (vendor) => {
      seedAll()
      const before = stores()
      const r = await doctor(vendor)
      expect(r.code, r.log).toBe(0)
      expect(r.report.ok).toBe(true)
      expect(r.report.failed_step).toBeNull()
      expect(
        r.report.checks.filter((c) => c.result !== 'held'),
        JSON.stringify(r.report.checks, null, 1)
      ).toEqual([])
      expect(r.report.canary.leftovers).toEqual([])
      expect(r.report.listing.odd).toEqual([])
      expect(r.report.listing.total).toBeGreaterThan(0)
      if (vendor === 'castrel') {
        expect(r.report.canary.skipped).toMatch(/no delete/)
        expect(r.report.canary.created).toEqual([])
      } else {
        expect(r.report.canary.key).toMatch(/^octo\/docs\/\.knowledge-sync-doctor\/4242-1-[0-9a-f]{6}\.md$/)
        expect(r.report.canary.removed).toBe(true)
        expect(r.report.canary.created.length).toBeGreaterThan(0)
      }
      expect(stores()).toEqual(before)
      expect(r.summary).toContain('## Knowledge Sync doctor')
      expect(r.summary).toContain('| ✅ held |')
      expect(r.stdout).toMatch(/Verdict: every checked assumption held/)
    }
  )

  it('reports what StackSpot showed: status words, file path, checksum algorithm, an async zip batch', async () => {
    seedAll()
    const r = await doctor('stackspot')
    expect(r.code, r.log).toBe(0)
    expect(r.report.observations['stackspot.status_words']).toEqual(expect.arrayContaining(['INDEXED']))
    expect(r.report.observations['stackspot.checksum_algorithm']).toBe('sha256')
    expect(r.report.observations['stackspot.zip_batch']).toBe('asynchronous')
    expect(r.report.listing).toMatchObject({ total: 2, pages: 1, paged: false, followed_to_end: true, owned: 1 })
    // The zip went in without auto-delete: the doc synced earlier is still there.
    expect(emu.state().stackspot.batches.map((b) => b.autoDelete)).toEqual([false])
  })

  it('checks without writing in a dry run, and says so', async () => {
    seedAll()
    const before = stores()
    const r = await doctor('telzino', { 'dry-run': 'true' })
    expect(r.code, r.log).toBe(0)
    expect(r.report.canary.skipped).toMatch(/dry run/)
    expect(results(r.report)).toMatchObject({ 'sources-listing': 'held', 'duplicate-hash': 'could not check' })
    expect(emu.requests.filter((q) => q.method !== 'GET' && !q.route.includes('oauth'))).toEqual([])
    expect(stores()).toEqual(before)
  })

  it('never creates a missing store unless create-if-missing, and names the step it stopped at', async () => {
    const r = await doctor('stackspot', { 'create-if-missing': 'false' })
    expect(r.code).toBe(1)
    expect(r.report.failed_step?.name).toBe('Find the store')
    expect(r.report.failed_step?.error).toMatch(/does not exist/)
    expect(check(r.report, 'status-words')).toMatchObject({ result: 'could not check', observed: 'not reached: the run stopped at "Find the store"' })
    expect(emu.state().stackspot.knowledgeSources).toEqual([])

    const created = await doctor('stackspot')
    expect(created.code, created.log).toBe(0)
    expect(created.report.store).toMatchObject({ id: 'docs-ks', created: true })
    expect(created.summary).toMatch(/created by this run/)
    expect(emu.state().stackspot.knowledgeSources[0]!.objects).toEqual([])
  })
})

describe('mode: doctor under deviations the emulator produces', () => {
  it('StackSpot: processing fails to start half-way → the canary that still got indexed is removed, the failed step named', async () => {
    seedAll()
    const before = stores()
    await emu.faults.add({
      route: 'POST /stackspot/v1/file-upload/:id/knowledge-objects',
      kind: 'status',
      status: 422,
      body: { message: 'Could not start processing', code: 'PROCESSING_REFUSED' }
    })
    const r = await doctor('stackspot')
    expect(r.code).toBe(1)
    expect(r.report.ok).toBe(false)
    expect(r.report.failed_step).toMatchObject({ name: 'Start processing the canary' })
    expect(r.report.failed_step?.error).toMatch(/Could not start processing/)
    // The bytes were in storage, so StackSpot indexed the canary anyway: the clean-up waited for it and deleted it.
    expect(r.report.canary).toMatchObject({ removed: true, leftovers: [] })
    expect(check(r.report, 'delete-object').result).toBe('held')
    expect(check(r.report, 'checksum')).toMatchObject({ result: 'could not check', observed: 'not reached: the run stopped at "Start processing the canary"' })
    expect(stores()).toEqual(before)
    expect(r.summary).toMatch(/stopped at "Start processing the canary"/)
    expect(r.stdout).toMatch(/::error::Knowledge Sync doctor: stopped at "Start processing the canary"/)
  })

  it('StackSpot: an unknown status word does not hold, and the doctor stops waiting once the canary is listed', async () => {
    seedAll()
    const before = stores()
    await emu.faults.add({ route: 'GET /stackspot/v1/file-upload/:id', kind: 'status', status: 200, body: { id: 'x', status: 'SUCCESS' }, persistent: true })
    const r = await doctor('stackspot')
    expect(r.code).toBe(1)
    expect(r.report.failed_step).toBeNull()
    expect(check(r.report, 'status-words')).toMatchObject({ result: 'did not hold' })
    expect(check(r.report, 'status-words').observed).toMatch(/SUCCESS; the canary was already listed/)
    expect(r.report.checks.filter((c) => c.result !== 'held').map((c) => c.id)).toEqual(['status-words'])
    expect(r.report.canary).toMatchObject({ removed: true, leftovers: [] })
    expect(stores()).toEqual(before)
    expect(r.summary).toMatch(/\| ❌ did not hold \| Processing ends in `INDEXED`/)
  })

  it('Telzino: a duplicate contentHash answered 400 instead of 409 does not hold', async () => {
    seedAll()
    const before = stores()
    await emu.faults.add({
      route: 'POST /telzino/v1/knowledge-bases/:kb/sources',
      match: '-duplicate.md',
      kind: 'status',
      status: 400,
      body: { error: 'invalid_request', message: 'A file with this content already exists' }
    })
    const r = await doctor('telzino')
    expect(r.code).toBe(1)
    expect(check(r.report, 'duplicate-hash')).toMatchObject({ result: 'did not hold', observed: 'HTTP 400: A file with this content already exists' })
    expect(r.report.observations['telzino.job_states']).toEqual(expect.arrayContaining(['complete']))
    expect(r.report.canary).toMatchObject({ removed: true, leftovers: [] })
    expect(stores()).toEqual(before)
  })

  it('Castrel: a label filter the server ignores does not hold, and nothing is written', async () => {
    seedAll()
    const before = stores()
    await emu.faults.add({
      route: 'POST /castrel/personal/v1/knowledge/list',
      match: 'knowledge-sync-doctor',
      kind: 'status',
      status: 200,
      body: { code: 200, message: 'common.success', data: { page: { total: 1, page_num: 1, page_size: 20 }, items: [{ id: 1, name: 'Runbook' }] } }
    })
    const r = await doctor('castrel')
    expect(r.code).toBe(1)
    expect(check(r.report, 'label-filter')).toMatchObject({ result: 'did not hold', observed: 'ignored: 1 entries listed without that label' })
    expect(emu.requests.filter((q) => q.route !== 'POST /castrel/personal/v1/knowledge/list')).toEqual([])
    expect(stores()).toEqual(before)
  })
})
