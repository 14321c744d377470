/**
 * `mode: doctor` for StackSpot under every emulator profile (issue 14): where the sync copes with
 * the behaviour by itself the doctor reports it as an observed fact and stays green; where it does
 * not, the doctor names the assumption that did not hold and exits 1. Either way the store is left
 * as it was found, unless the vendor keeps what the doctor deleted (then it says what is left).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import { startEmulator } from '../../emulator/server.ts'
import { allVendors, type FullEmulator } from '../../emulator/vendors/index.ts'
import { STACKSPOT_PROFILES } from '../../emulator/vendors/stackspot/profiles.ts'
import { workflowDispatchPayload } from '../helpers/payloads.js'
import { runAction } from '../helpers/run-action.js'

type Result = 'held' | 'did not hold'

/** Per profile: whether the doctor stays green, and the checks (with what they observed) that show the behaviour. */
const EXPECTED: Record<string, { ok: boolean; checks: Record<string, [Result, RegExp]>; leftovers?: boolean }> = {
  'stackspot-zip-async-lag': { ok: true, checks: { 'zip-batch': ['held', /supported, asynchronous/] } },
  'stackspot-objects-paged': { ok: true, checks: { 'objects-listing': ['held', /^paged: pages \(.*page=1.*\); 2 pages followed to the end/] } },
  'stackspot-objects-paged-array': {
    ok: true,
    checks: { 'objects-listing': ['held', /^paged: bare arrays of 2 a page \(page from 1\); 2 pages followed to the end/] }
  },
  'stackspot-file-path-leading-slash': { ok: true, checks: { 'file-path': ['held', /listed as "\/octo\/docs\//] } },
  'stackspot-file-path-sanitised': { ok: false, checks: { 'file-path': ['did not hold', /listed as "octo_docs_.knowledge-sync-doctor_/] } },
  'stackspot-checksum-md5': { ok: true, checks: { checksum: ['held', /^md5$/] } },
  'stackspot-checksum-other': { ok: false, checks: { checksum: ['did not hold', /none of SHA-256, SHA-1 or MD5/] } },
  'stackspot-checksum-absent': { ok: false, checks: { checksum: ['did not hold', /no checksum/] } },
  'stackspot-status-success': { ok: false, checks: { 'status-words': ['did not hold', /SUCCESS; the canary was already listed/] } },
  'stackspot-status-finished': {
    ok: false,
    checks: { 'status-words': ['did not hold', /IN_QUEUE.*; the canary was already listed while the status said (IN_QUEUE|FINISHED)/] }
  },
  'stackspot-processing-file-upload': {
    ok: true,
    checks: { 'processing-step': ['held', /knowledge-objects answered HTTP 404; `POST \/v1\/file-upload\/\{id\}` answered HTTP 200/] }
  },
  'stackspot-zip-missing-404': { ok: true, checks: { 'zip-batch': ['held', /not supported here \(HTTP 404\)/] } },
  'stackspot-zip-missing-405': { ok: true, checks: { 'zip-batch': ['held', /not supported here \(HTTP 405\)/] } },
  'stackspot-zip-sync': { ok: true, checks: { 'zip-batch': ['held', /supported, synchronous: HTTP 200, listed right after the answer/] } },
  'stackspot-form-null-field': { ok: true, checks: { 'upload-form': ['held', /null in x-amz-security-token/] } },
  'stackspot-delete-lagged': { ok: true, checks: { 'delete-object': ['held', /deleted and gone from the listing/] } },
  'stackspot-delete-kept-404': { ok: false, checks: { 'delete-object': ['did not hold', /still listed after their DELETE/] }, leftovers: true },
  'stackspot-objects-odd-item': { ok: false, checks: { 'object-fields': ['did not hold', /1 of 4 objects are odd: no id/] } }
}

let emu: FullEmulator
let workspace: string
beforeAll(async () => {
  emu = await startEmulator({ vendors: allVendors(), processingMs: 40 })
  workspace = await mkdtemp(join(tmpdir(), 'ks-doctor-profiles-'))
})
afterAll(async () => {
  await emu.close()
  await rm(workspace, { recursive: true, force: true })
})
beforeEach(() => {
  emu.useDefaults('stackspot')
  emu.reset()
})

interface Report {
  ok: boolean
  checks: Array<{ id: string; result: string; observed: string }>
  canary: { removed: boolean; leftovers: unknown[] }
  listing: { odd: unknown[] }
}

/** The KS content, without the count a visit may not change but a write to a child does. */
const store = () => emu.state().stackspot.knowledgeSources.map(({ object_count: _c, ...ks }) => ks)

describe('mode: doctor for StackSpot under each emulator profile', () => {
  it('has an expectation for every profile', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(STACKSPOT_PROFILES.map((p) => p.name).sort())
  })

  it.each(Object.keys(EXPECTED))(
    '%s',
    async (profile) => {
      emu.useProfile(profile)
      // Three objects: pages of two show a second page.
      emu.vendor('stackspot').seed({
        knowledgeSources: [
          {
            slug: 'docs-ks',
            objects: [
              { content: 'added by hand' },
              { file_path: 'octo/docs/docs/a.md', content: '# A\n', standalone: false },
              { file_path: 'octo/docs/docs/b.md', content: '# B\n', standalone: false }
            ]
          }
        ]
      })
      const before = store()
      const r = await runAction({
        inputs: demoInputs('stackspot', emu.url, { 'knowledge-base': 'docs-ks', mode: 'doctor', 'processing-timeout': '30' }),
        workspace,
        eventName: 'workflow_dispatch',
        payload: workflowDispatchPayload({ owner: 'octo', name: 'docs' }),
        emulatorUrl: emu.url
      })
      const expected = EXPECTED[profile]!
      const report = JSON.parse(r.outputs['doctor-report'] ?? 'null') as Report
      expect(report, r.log).not.toBeNull()
      const notHeld = report.checks.filter((c) => c.result !== 'held')
      for (const [id, [result, observed]] of Object.entries(expected.checks)) {
        const check = report.checks.find((c) => c.id === id)!
        expect(check.result, JSON.stringify(report.checks, null, 1)).toBe(result)
        expect(check.observed).toMatch(observed)
      }
      if (expected.ok) {
        expect(r.code, r.log).toBe(0)
        expect(notHeld, JSON.stringify(notHeld, null, 1)).toEqual([])
      } else {
        expect(r.code).toBe(1)
        // The deviation is named, in the log and the summary.
        expect(notHeld.map((c) => c.id)).toEqual(expect.arrayContaining(Object.keys(expected.checks)))
        expect(r.summary).toContain('❌ did not hold')
      }
      if (expected.leftovers) {
        expect(report.canary.removed).toBe(false)
        expect(report.canary.leftovers.length).toBeGreaterThan(0)
      } else {
        expect(report.canary).toMatchObject({ removed: true, leftovers: [] })
        expect(store()).toEqual(before)
      }
    },
    120_000
  )
})
