/** The Staffify adapter in-process against the emulator: the cases an end-to-end run cannot isolate. */
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { STAFFIFY_DEMO_KEY, createStaffifyEmulator, type StaffifyEmulator, type StaffifySeed } from '../../emulator/vendors/staffify/index.ts'
import type { LocalDoc } from '../../src/docs/types.js'
import { INPUT_DEFAULTS, readSettings } from '../../src/inputs.js'
import { memoryLog } from '../../src/log.js'
import { staffify as staffifyVendor } from '../../src/vendors/staffify/index.js'
import { TokenCache } from '../../src/tokens.js'

let emu: RunningEmulator<StaffifyEmulator>
let dir: string
beforeAll(async () => {
  emu = await startEmulator({ vendors: [createStaffifyEmulator()] })
  dir = await mkdtemp(join(tmpdir(), 'ks-staffify-'))
})
afterAll(async () => {
  await emu.close()
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => emu.reset())

const staffify = () => emu.vendor('staffify')
const seed = (body: StaffifySeed) => staffify().seed(body)

function adapter(inputs: Record<string, string> = {}, log = memoryLog()) {
  const values: Record<string, string> = {
    ...INPUT_DEFAULTS,
    vendor: 'staffify',
    'api-key': STAFFIFY_DEMO_KEY,
    'api-url': `${emu.url}/staffify/v1`,
    'knowledge-base': 'Support',
    ...inputs
  }
  const settings = readSettings((name) => values[name] ?? '', 'workflow_dispatch')
  return staffifyVendor.create(settings, { log, repository: 'octo/docs', namespace: 'octo/docs', sha: 'a'.repeat(40), tokenCache: new TokenCache() })
}

async function doc(path: string, content: string | Buffer): Promise<LocalDoc> {
  const absPath = join(dir, path.replace(/\//g, '_'))
  await writeFile(absPath, content)
  const hash = (algo: string) => createHash(algo).update(content).digest('hex')
  return { path, key: path, absPath, size: Buffer.byteLength(content), digests: { sha256: hash('sha256'), sha1: hash('sha1'), md5: hash('md5') } }
}

describe('Staffify adapter', () => {
  it('refuses an organization key without project-id before any request, and sends X-Project-Id with one', async () => {
    seed({ keys: [{ key: 'sfy_org_team_key_1' }] })
    await expect(adapter({ 'api-key': 'sfy_org_team_key_1' }).authenticate()).rejects.toThrow(/needs a project/)
    expect(emu.requests).toEqual([])
    await expect(adapter({ 'api-key': 'sfy_org_team_key_1', 'project-id': 'proj_9' }).authenticate()).resolves.toBeUndefined()
  })

  it('refuses to guess between knowledge bases with the same name', async () => {
    const { created } = seed({ knowledgeBases: [{ name: 'Support' }, { name: 'Support' }] })
    await expect(adapter().ensureStore({ create: true, dryRun: false })).rejects.toThrow(
      new RegExp(`2 Staffify knowledge bases are named "Support" \\(${created.join(', ')}\\)`)
    )
  })

  it('skips file types it cannot turn into entries, empty files and untaggable paths', async () => {
    const a = adapter()
    expect(a.rejects!(await doc('docs/manual.pdf', '%PDF-1.4'))).toMatch(/only Markdown and text docs/)
    expect(a.rejects!(await doc('docs/empty.md', ''))).toBeUndefined()
    expect(await a.noContent!(await doc('docs/empty.md', ''))).toMatch(/empty file/)
    expect(a.rejects!({ ...(await doc('docs/ok.md', '# x')), key: `docs/${'x'.repeat(600)}.md` })).toMatch(/longer than 500/)
    expect(a.rejects!(await doc('docs/ok.txt', 'text'))).toBeUndefined()
  })

  it('finds no content in a doc of only front matter or blank lines (a Hugo _index.md), and content in one with text', async () => {
    const a = adapter()
    expect(await a.noContent!(await doc('docs/_index.md', '---\ntitle: Docs\nweight: 1\n---\n'))).toMatch(/has no text to turn into entries/)
    expect(await a.noContent!(await doc('docs/blank.md', '\n  \n\n'))).toMatch(/has no text/)
    expect(await a.noContent!(await doc('docs/ok.md', '---\ntitle: Docs\n---\nSome text.\n'))).toBeUndefined()
  })

  it('fails a doc that is not UTF-8 without writing anything', async () => {
    seed({ knowledgeBases: [{ name: 'Support' }] })
    const a = adapter()
    await a.ensureStore({ create: false, dryRun: false })
    await expect(a.upload(await doc('docs/latin1.md', Buffer.from([0x23, 0x20, 0xe9, 0x74, 0xe9])), undefined)).rejects.toThrow(/not UTF-8/)
    expect(emu.requests.filter((r) => r.method !== 'GET')).toEqual([])
  })

  it('docs uploaded in parallel share the listing that finds their new entries', async () => {
    seed({ knowledgeBases: [{ name: 'Support' }] })
    const a = adapter()
    await a.ensureStore({ create: false, dryRun: false })
    await a.listOwned()
    const docs = await Promise.all(Array.from({ length: 8 }, (_, i) => doc(`docs/d${i}.md`, `# Doc ${i}\n\nText ${i}.\n`)))
    emu.requests.length = 0
    const results = await Promise.all(docs.map((d) => a.upload(d, undefined)))
    expect(results.map((r) => r.detail)).toEqual(Array(8).fill('1 entry'))
    const listings = emu.requests.filter((r) => r.method === 'GET' && r.route.endsWith('/entries'))
    expect(listings.length).toBeLessThan(8)
    const owned = await a.listOwned()
    expect(owned.map((o) => o.key).sort()).toEqual(docs.map((d) => d.key).sort())
    for (const o of owned) expect(a.isUnchanged!(docs.find((d) => d.key === o.key)!, o)).toBe(true)
  })

  it('retries entries of earlier runs that still have no embedding, but not in a dry run', async () => {
    const { created } = seed({
      knowledgeBases: [
        {
          name: 'Support',
          entries: [
            { q: 'Q [octo/docs/docs/a.md · 1/1 · 0123456789ab]', a: 'A', has_embedding: false },
            { q: 'Manual', a: 'M', has_embedding: false }
          ]
        }
      ]
    })
    const dryLog = memoryLog()
    const dry = adapter({ 'dry-run': 'true' }, dryLog)
    await dry.ensureStore({ create: false, dryRun: true })
    await dry.listOwned()
    expect(dryLog.lines.join('\n')).toMatch(/warning: 1 Staffify entries of docs\/a\.md have no embedding/)
    expect(emu.requests.filter((r) => r.method === 'POST')).toEqual([])

    const log = memoryLog()
    const real = adapter({}, log)
    await real.ensureStore({ create: false, dryRun: false })
    await real.listOwned()
    const retries = emu.requests.filter((r) => r.route.endsWith('/retry-embedding'))
    expect(retries).toHaveLength(1)
    const kb = staffify()
      .state()
      .knowledgeBases.find((k) => k.public_id === created[0])
    expect(kb?.entries.map((e) => e.has_embedding)).toEqual([true, false])
  })

  it('a retry that Staffify refuses is reported, not fatal', async () => {
    seed({
      keys: [{ key: 'sfy_live_ro_key_77', readOnly: true }],
      knowledgeBases: [{ name: 'Support', entries: [{ q: 'Q [octo/docs/docs/a.md · 1/1 · 0123456789ab]', a: 'A', has_embedding: false }] }]
    })
    const log = memoryLog()
    const a = adapter({ 'api-key': 'sfy_live_ro_key_77' }, log)
    await a.ensureStore({ create: false, dryRun: false })
    await expect(a.listOwned()).resolves.toHaveLength(1)
    expect(log.lines.join('\n')).toMatch(/warning: .*retry failed \(.*READ_ONLY_KEY.*\); the next run tries again/)
  })
})
