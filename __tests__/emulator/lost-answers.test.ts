/**
 * Writes whose answer is lost after the server applied them (the emulator's `applied` fault: a
 * 500, or a dropped connection, after the write is done). For every vendor's non-idempotent
 * writes, a whole sync in-process must succeed and leave exactly one copy of each doc: the action
 * looks in the store before it sends such a write again.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import type { FaultSpec } from '../../emulator/framework.ts'
import { startEmulator } from '../../emulator/server.ts'
import { allVendors, type FullEmulator } from '../../emulator/vendors/index.ts'
import { toRunContext } from '../../src/context.js'
import { memoryLog } from '../../src/log.js'
import { runSync } from '../../src/run-sync.js'
import { TokenCache } from '../../src/tokens.js'
import { parseTag } from '../../src/vendors/staffify/entries.js'
import { settingsFrom } from '../helpers/fixtures.js'
import { makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { workflowDispatchPayload } from '../helpers/payloads.js'

const DOCS = { 'docs/a.md': '# Alpha\n\nAlpha text.\n', 'docs/b.md': '# Beta\n\nBeta text.\n' }

let emu: FullEmulator
let repo: TestRepo
let workspace: string
beforeAll(async () => {
  emu = await startEmulator({ vendors: allVendors(), processingMs: 30 })
  repo = await makeRepo(DOCS)
  await repo.push()
  workspace = await repo.checkout()
})
afterAll(async () => {
  await emu.close()
  await repo.cleanup()
})
beforeEach(() => {
  emu.reset()
  emu.vendor('stackspot').seed({ settings: { newKsDelayMs: 0 } })
})

type Vendor = 'stackspot' | 'staffify' | 'telzino' | 'castrel'

async function sync(vendor: Vendor, inputs: Record<string, string> = {}) {
  const log = memoryLog()
  const run = toRunContext(
    {
      eventName: 'workflow_dispatch',
      sha: await repo.head(),
      payload: workflowDispatchPayload({ owner: 'octo', name: 'docs' }),
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      repo: { owner: 'octo', repo: 'docs' }
    },
    workspace
  )
  const settings = settingsFrom(demoInputs(vendor, emu.url, { 'knowledge-base': 'docs-kb', paths: 'docs/**/*.md', mode: 'full', ...inputs }))
  const { report } = await runSync(settings, run, { log, octokit: undefined, group: (_name, fn) => fn(), tokenCache: new TokenCache() })
  return { report, log: log.lines.join('\n') }
}

/** How many copies of each doc the store holds, by repo-relative path (`docs/a.md`). */
function copies(vendor: Vendor): Record<string, number> {
  const count: Record<string, number> = {}
  const add = (path: string | undefined | null) => {
    const doc = Object.keys(DOCS).find((d) => path?.endsWith(d))
    if (doc) count[doc] = (count[doc] ?? 0) + 1
  }
  if (vendor === 'stackspot')
    for (const o of emu
      .vendor('stackspot')
      .state()
      .knowledgeSources.flatMap((k) => k.objects))
      add(o.file_path)
  if (vendor === 'telzino')
    for (const s of emu
      .vendor('telzino')
      .state()
      .knowledgeBases.flatMap((k) => k.sources))
      add(s.name)
  if (vendor === 'castrel') for (const k of emu.vendor('castrel').state().entries) add(k.labels?.path)
  if (vendor === 'staffify') {
    // A doc's copy is one complete set of entries; count sets by their first entry.
    for (const e of emu
      .vendor('staffify')
      .state()
      .knowledgeBases.flatMap((k) => k.entries)) {
      const tag = parseTag(e.question)
      if (tag?.index === 1) add(tag.key)
    }
  }
  return count
}

/** Stores the test expects once: exactly one of them. */
function stores(vendor: Vendor): number {
  if (vendor === 'stackspot') return emu.vendor('stackspot').state().knowledgeSources.length
  if (vendor === 'staffify') return emu.vendor('staffify').state().knowledgeBases.length
  if (vendor === 'telzino') return emu.vendor('telzino').state().knowledgeBases.length
  return 1
}

const WRITES: Array<{ vendor: Vendor; write: string; route: string; inputs?: Record<string, string> }> = [
  { vendor: 'stackspot', write: 'create the Knowledge Source', route: 'POST /stackspot/v1/knowledge-sources', inputs: { 'upload-strategy': 'per-file' } },
  { vendor: 'stackspot', write: 'upload form', route: 'POST /stackspot/v2/file-upload/form', inputs: { 'upload-strategy': 'per-file' } },
  { vendor: 'stackspot', write: 'S3 POST', route: 'POST /stackspot/s3/:bucket', inputs: { 'upload-strategy': 'per-file' } },
  {
    vendor: 'stackspot',
    write: 'knowledge-objects step',
    route: 'POST /stackspot/v1/file-upload/:id/knowledge-objects',
    inputs: { 'upload-strategy': 'per-file' }
  },
  { vendor: 'stackspot', write: 'zip batch', route: 'POST /stackspot/v1/knowledge-sources/:slug/objects/batch', inputs: { 'upload-strategy': 'zip' } },
  { vendor: 'staffify', write: 'create the knowledge base', route: 'POST /staffify/v1/knowledge-bases' },
  { vendor: 'staffify', write: 'add entries', route: 'POST /staffify/v1/knowledge-bases/:kbId/entries' },
  { vendor: 'telzino', write: 'create the knowledge base', route: 'POST /telzino/v1/organizations/:org/knowledge-bases' },
  { vendor: 'telzino', write: 'create a source', route: 'POST /telzino/v1/knowledge-bases/:kb/sources' },
  { vendor: 'castrel', write: 'upsert', route: 'POST /castrel/personal/v1/knowledge/upsert' }
]

describe('a write applied, then its answer lost', () => {
  for (const { vendor, write, route, inputs } of WRITES) {
    for (const then of ['status', 'reset'] as const) {
      it(`${vendor}: ${write}, then ${then === 'status' ? 'HTTP 500' : 'a dropped connection'}: the run succeeds with one copy of each doc`, async () => {
        const fault: FaultSpec = { kind: 'applied', then, route }
        emu.faults.add(fault)
        const { report, log } = await sync(vendor, inputs)
        expect(emu.faults.active[0]!.hits, 'the fault was not hit').toBe(1)
        expect(report.errors, log).toEqual([])
        expect(
          report.items.filter((i) => i.outcome === 'failed'),
          log
        ).toEqual([])
        expect(copies(vendor), log).toEqual({ 'docs/a.md': 1, 'docs/b.md': 1 })
        expect(stores(vendor)).toBe(1)
      })
    }
  }
})
