/**
 * End to end: the bundled action against the Telzino emulator. Each doc is a file source named
 * `<owner/repo>/<path>`; URL sources and files uploaded by hand are never touched.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_ACCOUNTS, demoInputs } from '../../emulator/demo-accounts.ts'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { createTelzinoEmulator, type TelzinoEmulator } from '../../emulator/vendors/telzino/index.ts'
import { makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { workflowDispatchPayload } from '../helpers/payloads.js'
import { runAction } from '../helpers/run-action.js'

let emu: RunningEmulator<TelzinoEmulator>
let repo: TestRepo
beforeAll(async () => {
  emu = await startEmulator({ vendors: [createTelzinoEmulator()], processingMs: 40 })
})
afterAll(async () => {
  await repo?.cleanup()
  await emu.close()
})
beforeEach(async () => {
  emu.reset()
  emu.ctx.tokenTtlSeconds = 86_400
  await repo?.cleanup()
  repo = await makeRepo({ 'docs/a.md': '# Alpha v1\n', 'docs/b.md': '# Beta\n', 'docs/old.md': '# Moving\n', 'docs/pic.png': 'png' })
})

const telzino = () => emu.vendor('telzino')
const sources = () =>
  telzino()
    .state()
    .knowledgeBases.find((k) => k.name === 'Docs')?.sources ?? []
const files = () =>
  sources()
    .filter((s) => s.source_type === 'file')
    .map((s) => `${s.name}=${(s.content ?? '').trim()}:${s.status}`)
    .sort()
const ingests = () => emu.requests.filter((r) => r.route.endsWith('/enqueue'))

async function sync(extra: Record<string, string> = {}) {
  await repo.commit()
  await repo.push()
  emu.requests.length = 0
  return runAction({
    inputs: demoInputs('telzino', emu.url, { 'knowledge-base': 'Docs', paths: 'docs/**', mode: 'full', ...extra }),
    workspace: await repo.checkout(),
    eventName: 'workflow_dispatch',
    payload: workflowDispatchPayload({ owner: 'octo', name: 'docs' }),
    emulatorUrl: emu.url
  })
}

describe('Telzino end to end', () => {
  it('creates the KB, ingests each doc, and keeps it in step through edit, rename and delete', async () => {
    const r1 = await sync()
    expect(r1.code, r1.log).toBe(0)
    expect(r1.outputs.uploaded).toBe('3')
    expect(files()).toEqual(['octo/docs/docs/a.md=# Alpha v1:active', 'octo/docs/docs/b.md=# Beta:active', 'octo/docs/docs/old.md=# Moving:active'])
    expect(JSON.parse(r1.outputs.plan!).find((i: { path: string }) => i.path === 'docs/pic.png').reason).toMatch(/not a type Telzino ingests/)

    // A manual file and a URL source appear; a re-run ingests nothing and touches neither.
    const [kbId] = telzino()
      .state()
      .knowledgeBases.map((k) => k.id)
    telzino().seed({
      knowledgeBases: [
        {
          id: kbId,
          name: 'Docs',
          sources: [
            { name: 'handbook.pdf', content: 'by hand', contentHash: 'x' },
            { source_type: 'url', url: 'https://example.com/docs' }
          ]
        }
      ]
    })
    const r2 = await sync()
    expect(r2.code, r2.log).toBe(0)
    expect(r2.outputs.unchanged).toBe('3')
    expect(r2.outputs.uploaded).toBe('0')
    expect(ingests()).toEqual([])

    await repo.write({ 'docs/a.md': '# Alpha v2\n' })
    await repo.rename('docs/old.md', 'docs/new.md')
    await repo.remove('docs/b.md')
    const r3 = await sync()
    expect(r3.code, r3.log).toBe(0)
    expect(files()).toEqual(['handbook.pdf=by hand:active', 'octo/docs/docs/a.md=# Alpha v2:active', 'octo/docs/docs/new.md=# Moving:active'])
    expect(
      sources()
        .filter((s) => s.source_type === 'url')
        .map((s) => s.url)
    ).toEqual(['https://example.com/docs'])
  })

  it('keeps the old source when the new one fails to ingest, and fails the run', async () => {
    await sync()
    await emu.faults.add({ kind: 'vendor', name: 'telzino-job-fail', match: 'docs/a.md', persistent: true })
    await repo.write({ 'docs/a.md': '# Alpha v2\n' })
    await repo.remove('docs/b.md')
    const r = await sync()
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/Telzino: ingest docs\/a\.md failed: the ingestion job failed/)
    // The old version is still the only copy of a.md, and nothing was deleted after a failed upload.
    expect(files()).toEqual(['octo/docs/docs/a.md=# Alpha v1:active', 'octo/docs/docs/b.md=# Beta:active', 'octo/docs/docs/old.md=# Moving:active'])
  })

  it('retries a PUT that fails once, and refreshes an expired token', async () => {
    emu.ctx.tokenTtlSeconds = 1
    await emu.faults.add({ kind: 'vendor', name: 'telzino-put-fail', match: 'docs/b.md' })
    const r = await sync({ 'processing-timeout': '30' })
    expect(r.code, r.log).toBe(0)
    expect(files()).toHaveLength(3)
    expect(emu.requests.filter((q) => q.route === 'PUT /telzino/s3/:id' && q.status === 500)).toHaveLength(1)
    expect(emu.requests.every((q) => !(q.route === 'PUT /telzino/s3/:id' && q.hasAuthorization))).toBe(true)
  })

  it('gets a new token once when Telzino answers 401 to an expired one', async () => {
    await emu.faults.add({ kind: 'vendor', name: 'telzino-expire-tokens', times: 1 })
    const r = await sync()
    expect(r.code, r.log).toBe(0)
    expect(files()).toHaveLength(3)
    expect(emu.requests.filter((q) => q.status === 401)).toHaveLength(1)
    expect(emu.requests.filter((q) => q.route === 'POST /telzino/oauth/token')).toHaveLength(2)
  })

  it('does not take a new source for a duplicate when another upload listed it before its create was answered', async () => {
    // b.md's create lands at once but is answered late; meanwhile a.md's upload lists the sources
    // (to check the name it sent), and that listing already shows b.md's new source.
    emu.faults.add({ route: 'POST /telzino/v1/knowledge-bases/:kb/sources', kind: 'late', ms: 600, match: 'docs/b.md' })
    const r = await sync()
    expect(r.code, r.log).toBe(0)
    expect(emu.faults.active[0]?.hits).toBe(1)
    expect(r.log).not.toMatch(/duplicate contentHash/)
    expect(files()).toEqual(['octo/docs/docs/a.md=# Alpha v1:active', 'octo/docs/docs/b.md=# Beta:active', 'octo/docs/docs/old.md=# Moving:active'])
  })

  it('uploads a doc whose content another doc already has (duplicate hash) instead of skipping it', async () => {
    await repo.write({ 'docs/copy.md': '# Beta\n' })
    const r = await sync()
    expect(r.code, r.log).toBe(0)
    expect(files()).toContain('octo/docs/docs/copy.md=# Beta:active')
    expect(files()).toContain('octo/docs/docs/b.md=# Beta:active')
  })

  it('adds the url-sources and never deletes them', async () => {
    const r = await sync({ 'url-sources': 'https://docs.example.com' })
    expect(r.code, r.log).toBe(0)
    expect(
      sources()
        .filter((s) => s.source_type === 'url')
        .map((s) => s.url)
    ).toEqual(['https://docs.example.com'])
    await sync()
    expect(sources().filter((s) => s.source_type === 'url')).toHaveLength(1)
  })

  it('needs organization-id to find a knowledge base by name, and works with a static access token', async () => {
    const r = await sync({ 'organization-id': '' })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/needs its organization.*Add `organization-id`/)
    const ok = await sync({ 'client-id': '', 'client-secret': '', 'api-key': DEMO_ACCOUNTS.telzino.accessToken })
    expect(ok.code, ok.log).toBe(0)
  })
})
