/**
 * End to end: the bundled action against the Castrel emulator. Castrel has no delete, so a removed
 * doc's entry is marked removed; entries the action did not make are never touched.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { createCastrelEmulator, type CastrelEmulator } from '../../emulator/vendors/castrel/index.ts'
import { knowledgeName } from '../../src/vendors/castrel/index.js'
import { makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { workflowDispatchPayload } from '../helpers/payloads.js'
import { runAction } from '../helpers/run-action.js'

let emu: RunningEmulator<CastrelEmulator>
let repo: TestRepo
beforeAll(async () => {
  emu = await startEmulator({ vendors: [createCastrelEmulator()] })
})
afterAll(() => emu.close())
beforeEach(async () => {
  emu.reset()
  await repo?.cleanup()
  repo = await makeRepo({ 'docs/a.md': '# Alpha\n\nv1\n', 'docs/b.md': '# Beta\n', 'docs/old.md': '# Old name\n\nMoves.\n', 'docs/img.png': 'not text' })
})

const entries = () => emu.vendor('castrel').state().entries
const live = () =>
  entries()
    .filter((k) => k.labels?.['managed-by'] === 'knowledge-sync' && k.labels['knowledge-sync-status'] !== 'removed')
    .map((k) => `${k.labels!.path}=${String(k.data.document_content).trim().replace(/\n+/g, ' ')}`)
    .sort()
const writes = () => emu.requests.filter((r) => !r.path.endsWith('/list'))

async function sync(extra: Record<string, string> = {}) {
  await repo.commit()
  await repo.push()
  emu.requests.length = 0
  return runAction({
    inputs: demoInputs('castrel', emu.url, { paths: 'docs/**', mode: 'full', ...extra }),
    workspace: await repo.checkout(),
    eventName: 'workflow_dispatch',
    payload: workflowDispatchPayload({ owner: 'octo', name: 'docs' }),
    emulatorUrl: emu.url
  })
}

describe('Castrel end to end', () => {
  it('syncs each doc as one labelled document entry, then replaces, tombstones and skips unchanged ones', async () => {
    emu.vendor('castrel').seed({
      entries: [
        { name: 'docs/a.md', labels: { team: 'sre' }, data: { content: 'by hand' } },
        { name: 'On-call', data: { content: 'page the SRE' } }
      ]
    })
    const r1 = await sync()
    expect(r1.code, r1.log).toBe(0)
    expect(r1.outputs.uploaded).toBe('3')
    expect(live()).toEqual(['docs/a.md=# Alpha v1', 'docs/b.md=# Beta', 'docs/old.md=# Old name Moves.'])
    const a = entries().find((k) => k.labels?.path === 'docs/a.md')!
    // A hand-made entry already has the name docs/a.md with the same trigger: upsert would overwrite it, so ours is named apart.
    expect(a).toMatchObject({ name: 'docs/a.md (octo/docs)', type: 'document', trigger: 'always', trigger_config: {} })
    expect(entries().find((k) => k.labels?.path === 'docs/b.md')!.name).toBe('docs/b.md')
    expect(a.labels).toMatchObject({ 'managed-by': 'knowledge-sync', repo: 'octo/docs', path: 'docs/a.md' })
    expect(a.metadata).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(JSON.parse(r1.outputs.plan!).find((i: { path: string }) => i.path === 'docs/img.png').reason).toMatch(/not Markdown/)

    // A label someone adds by hand to a synced entry survives the tombstone below.
    entries().find((k) => k.labels?.path === 'docs/b.md')!.labels!.owner = 'docs-team'

    // Nothing changed: no write at all.
    const r2 = await sync()
    expect(r2.outputs.unchanged).toBe('3')
    expect(writes()).toEqual([])

    await repo.write({ 'docs/a.md': '# Alpha\n\nv2\n' })
    await repo.rename('docs/old.md', 'docs/new.md')
    await repo.remove('docs/b.md')
    const r3 = await sync()
    expect(r3.code, r3.log).toBe(0)
    expect(live()).toEqual(['docs/a.md=# Alpha v2', 'docs/new.md=# Old name Moves.'])
    const removed = entries().filter((k) => k.labels?.['knowledge-sync-status'] === 'removed')
    expect(removed.map((k) => k.labels!.path).sort()).toEqual(['docs/b.md', 'docs/old.md'])
    const removedB = removed.find((k) => k.labels!.path === 'docs/b.md')!
    expect(removedB.description).toMatch(/^\[removed from octo\/docs: docs\/b\.md was deleted\].*delete this entry in Castrel/)
    expect(removedB.labels).toMatchObject({ owner: 'docs-team', 'managed-by': 'knowledge-sync', repo: 'octo/docs' })
    expect(r3.summary).toContain('marked removed')
    // The entries made by hand, one with the same name as a synced doc, are untouched.
    expect(
      entries()
        .filter((k) => !k.labels?.['managed-by'])
        .map((k) => [k.name, k.data.content])
    ).toEqual([
      ['docs/a.md', 'by hand'],
      ['On-call', 'page the SRE']
    ])

    // A removed doc that comes back revives its entry instead of adding another.
    await repo.write({ 'docs/b.md': '# Beta again\n' })
    const r4 = await sync()
    expect(r4.code, r4.log).toBe(0)
    expect(live()).toContain('docs/b.md=# Beta again')
    expect(entries().filter((k) => k.labels?.path === 'docs/b.md')).toHaveLength(1)
  })

  it('applies the configured trigger, and moves entries in place when it changes', async () => {
    await sync({ trigger: 'service', 'trigger-config': '{"service_id":"checkout"}' })
    expect(entries().every((k) => k.trigger === 'service' && k.trigger_config.service_id === 'checkout')).toBe(true)
    const r = await sync({ trigger: 'service', 'trigger-config': '{"service_id":"payments"}' })
    expect(r.outputs.uploaded).toBe('3')
    expect(entries()).toHaveLength(3)
    expect(entries().every((k) => k.trigger_config.service_id === 'payments')).toBe(true)
  })

  it('fails with the vendor message when Castrel answers HTTP 200 with an error code', async () => {
    await emu.faults.add({ kind: 'vendor', name: 'castrel-error-envelope', match: 'upsert', persistent: true })
    const r = await sync()
    expect(r.code).toBe(1)
    expect(r.outputs.failed).toBe('3')
    expect(r.stdout).toMatch(/Castrel: save the knowledge for docs\/a\.md failed: the API answered code 500: common\.internal_error/)
    expect(entries()).toEqual([])
  })

  it('fails fast, before any request, on a trigger that lacks its id', async () => {
    const r = await sync({ trigger: 'service', 'trigger-config': '{}' })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('`trigger: service` needs `trigger-config` with a non-empty "service_id"')
    expect(emu.requests).toEqual([])
  })

  it('refuses a wrong PAT with the fix, and never prints it', async () => {
    const r = await sync({ 'api-key': 'castrel-wrong-pat-123' })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/HTTP 401.*Check `api-key`/)
    expect(r.stdout.replace(/::add-mask::.*\n/g, '')).not.toContain('castrel-wrong-pat-123')
  })
})

describe('knowledgeName', () => {
  it('keeps names within 255 characters, stable and distinct for long paths', () => {
    const long = `docs/${'deep/'.repeat(60)}file.md`
    expect(knowledgeName('docs/a.md')).toBe('docs/a.md')
    expect(knowledgeName(long).length).toBeLessThanOrEqual(255)
    expect(knowledgeName(long)).toBe(knowledgeName(long))
    expect(knowledgeName(long)).toMatch(/file\.md #[0-9a-f]{10}$/)
    expect(knowledgeName(long)).not.toBe(knowledgeName(long.replace('file', 'other')))
  })
})
