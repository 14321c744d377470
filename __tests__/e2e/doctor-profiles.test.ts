/**
 * `mode: doctor` under each Telzino, Staffify and Castrel emulator profile (issue 14): the doctor
 * either reports the deviation (the assumption did not hold, exit 1) or, where the action copes
 * without a word, reports what it saw and stays green. The store is left as it was found.
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

type Vendor = 'telzino' | 'staffify' | 'castrel'

/** Per profile: the exit code, and the check that names the assumption with its result and what was observed. */
const EXPECTED: Record<string, { vendor: Vendor; code: 0 | 1; check: string; result: 'held' | 'did not hold'; observed: RegExp }> = {
  'telzino-paged-sources': { vendor: 'telzino', code: 0, check: 'sources-listing', result: 'held', observed: /^paged: .*followed to the end/ },
  'telzino-duplicate-400': { vendor: 'telzino', code: 1, check: 'duplicate-hash', result: 'did not hold', observed: /^HTTP 400: A file with the same content/ },
  'telzino-duplicate-existing': { vendor: 'telzino', code: 0, check: 'duplicate-hash', result: 'held', observed: /returning the existing source/ },
  'telzino-names-trimmed': { vendor: 'telzino', code: 1, check: 'source-name', result: 'did not hold', observed: /listed as "[\w-]+\.md" \(trimmed\)/ },
  'staffify-embedding-lag': { vendor: 'staffify', code: 1, check: 'embedding', result: 'did not hold', observed: /^false when first listed, true after/ },
  'staffify-limit-in-bytes': { vendor: 'staffify', code: 1, check: 'limit-unit', result: 'did not hold', observed: /bytes refused/ },
  'castrel-label-filter-ignored': { vendor: 'castrel', code: 1, check: 'label-filter', result: 'did not hold', observed: /^ignored: / },
  'castrel-label-filter-refused': { vendor: 'castrel', code: 1, check: 'label-filter', result: 'did not hold', observed: /^refused: HTTP 200, code 400/ }
}

interface Report {
  ok: boolean
  checks: Array<{ id: string; result: string; observed: string; note?: string }>
  canary: { removed: boolean; leftovers: unknown[]; skipped: string | null }
}

let emu: FullEmulator
let workspace: string
beforeAll(async () => {
  emu = await startEmulator({ vendors: allVendors(), processingMs: 20 })
  workspace = await mkdtemp(join(tmpdir(), 'ks-doctor-profiles-'))
})
afterAll(async () => {
  await emu.close()
  await rm(workspace, { recursive: true, force: true })
})
beforeEach(() => {
  for (const v of ['telzino', 'staffify', 'castrel']) emu.useDefaults(v)
  emu.reset()
})

function seed() {
  emu.vendor('staffify').seed({ knowledgeBases: [{ name: 'Docs', entries: [{ q: 'What is this?', a: 'A hand-written entry.' }] }] })
  emu.vendor('telzino').seed({
    knowledgeBases: [
      {
        name: 'Docs',
        sources: [
          { name: 'handbook.pdf', content: 'by hand', contentHash: 'x' },
          { name: 'guide.pdf', content: 'by hand too', contentHash: 'y' },
          { name: 'faq.pdf', content: 'and this', contentHash: 'z' }
        ]
      }
    ]
  })
  emu.vendor('castrel').seed({ entries: [{ name: 'Runbook', type: 'document', data: { document_content: '# Runbook' }, labels: { team: 'sre' } }] })
}

const stores = () => {
  const s = emu.state()
  return {
    staffify: s.staffify.knowledgeBases.map(({ updated_at: _u, entry_count: _c, ...kb }) => kb),
    telzino: s.telzino.knowledgeBases,
    castrel: s.castrel.entries
  }
}

describe('mode: doctor under each emulator profile', () => {
  it.each(Object.keys(EXPECTED))('%s: names the assumption, and leaves the store as it was', async (profile) => {
    const expected = EXPECTED[profile]!
    emu.useProfile(profile)
    seed()
    const before = stores()
    const r = await runAction({
      inputs: demoInputs(expected.vendor, emu.url, { 'knowledge-base': 'Docs', mode: 'doctor', 'processing-timeout': '30' }),
      workspace,
      eventName: 'workflow_dispatch',
      payload: workflowDispatchPayload({ owner: 'octo', name: 'docs' }),
      emulatorUrl: emu.url
    })
    const report = JSON.parse(r.outputs['doctor-report'] ?? '{}') as Report
    const check = report.checks.find((c) => c.id === expected.check)
    expect(check, r.log).toMatchObject({ result: expected.result })
    expect(check!.observed).toMatch(expected.observed)
    expect(r.code, r.log).toBe(expected.code)
    expect(report.ok).toBe(expected.code === 0)
    // Only the profile's assumption deviates.
    expect(report.checks.filter((c) => c.result === 'did not hold').map((c) => c.id)).toEqual(expected.result === 'held' ? [] : [expected.check])
    expect(report.canary.leftovers).toEqual([])
    expect(stores()).toEqual(before)
  })
})
