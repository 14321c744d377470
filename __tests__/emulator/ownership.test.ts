/**
 * Repository-scoped ownership on the emulator, through the whole sync (runSync with the real
 * adapters): repositories with the same paths share a StackSpot KS or a Staffify knowledge base
 * without touching each other's docs, and a renamed repository is told about its old docs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { StackSpotIdm } from '../../emulator/vendors/stackspot-idm/index.ts'
import { createStackspotEmulator, type StackspotEmulator } from '../../emulator/vendors/stackspot/index.ts'
import { createStaffifyEmulator, type StaffifyEmulator } from '../../emulator/vendors/staffify/index.ts'
import { toRunContext } from '../../src/context.js'
import { memoryLog } from '../../src/log.js'
import { runSync } from '../../src/run-sync.js'
import { TokenCache } from '../../src/tokens.js'
import { parseTag } from '../../src/vendors/staffify/entries.js'
import { settingsFrom } from '../helpers/fixtures.js'
import { makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { workflowDispatchPayload } from '../helpers/payloads.js'

let emu: RunningEmulator<StackSpotIdm | StackspotEmulator | StaffifyEmulator>
const repos: TestRepo[] = []
beforeAll(async () => {
  const idm = new StackSpotIdm()
  emu = await startEmulator({ vendors: [idm, createStackspotEmulator(idm), createStaffifyEmulator()], processingMs: 20 })
})
afterAll(async () => {
  await emu.close()
  for (const r of repos) await r.cleanup()
})
beforeEach(() => {
  emu.reset()
  emu.vendor('stackspot').seed({ settings: { newKsDelayMs: 0 }, knowledgeSources: [{ slug: 'shared' }] })
  emu.vendor('staffify').seed({ knowledgeBases: [{ name: 'Shared' }] })
})

async function repoWith(files: Record<string, string>): Promise<TestRepo> {
  const repo = await makeRepo(files)
  await repo.push()
  repos.push(repo)
  return repo
}

/** A full reconcile (workflow_dispatch) of `repo` as the repository `repository`. */
async function fullSync(vendor: 'stackspot' | 'staffify', repo: TestRepo, repository: string, inputs: Record<string, string> = {}) {
  await repo.commit()
  await repo.push()
  const [owner, name] = repository.split('/') as [string, string]
  const workspace = await repo.checkout()
  const run = toRunContext(
    {
      eventName: 'workflow_dispatch',
      sha: await repo.head(),
      payload: workflowDispatchPayload({ owner, name }),
      serverUrl: 'https://github.com',
      apiUrl: `${emu.url}/github`,
      repo: { owner, repo: name }
    },
    workspace
  )
  const store = vendor === 'stackspot' ? { 'knowledge-base': 'shared' } : { 'knowledge-base': 'Shared' }
  const settings = settingsFrom({ ...demoInputs(vendor, emu.url, { ...store, paths: 'docs/**/*.md', 'upload-strategy': 'auto', ...inputs }) })
  const log = memoryLog()
  const { report } = await runSync(settings, run, { log, octokit: undefined, group: (_name, fn) => fn(), tokenCache: new TokenCache() })
  expect(report.errors).toEqual([])
  return { report, log: log.lines.join('\n'), outcomes: report.items.map((i) => `${i.path}: ${i.outcome}`) }
}

/** What the store holds, by stored name: StackSpot file paths, Staffify tags' doc names. */
function stored(vendor: 'stackspot' | 'staffify'): string[] {
  if (vendor === 'stackspot') {
    return (
      emu
        .vendor('stackspot')
        .state()
        .knowledgeSources.find((k) => k.slug === 'shared')?.objects ?? []
    )
      .map((o) => `${o.file_path}=${o.content}`)
      .sort()
  }
  const kb = emu
    .vendor('staffify')
    .state()
    .knowledgeBases.find((k) => k.name === 'Shared')
  return (kb?.entries ?? []).map((e) => `${parseTag(e.question)?.key ?? 'manual'}=${e.answer}`).sort()
}

describe.each(['stackspot', 'staffify'] as const)('%s: two repositories with the same paths', (vendor) => {
  it("keep each other's docs through each other's full reconciles", { timeout: 180_000 }, async () => {
    const one = await repoWith({ 'docs/index.md': '# Index\n\nOne.\n', 'docs/one.md': '# One\n\nOnly one.\n' })
    const two = await repoWith({ 'docs/index.md': '# Index\n\nTwo.\n' })
    await fullSync(vendor, one, 'octo/one')
    const second = await fullSync(vendor, two, 'octo/two')
    expect(second.outcomes).toEqual(['docs/index.md: uploaded'])

    await one.remove('docs/one.md')
    await one.write({ 'docs/index.md': '# Index\n\nOne, v2.\n' })
    const third = await fullSync(vendor, one, 'octo/one')
    expect(third.outcomes).toEqual(['docs/index.md: replaced', 'docs/one.md: deleted'])
    const fourth = await fullSync(vendor, two, 'octo/two')
    expect(fourth.outcomes).toEqual(['docs/index.md: unchanged'])

    const names = stored(vendor).map((s) => s.split('=')[0]!)
    expect(names.filter((n) => n.startsWith('octo/one/'))).toEqual(['octo/one/docs/index.md'])
    expect(names.filter((n) => n.startsWith('octo/two/'))).toEqual(['octo/two/docs/index.md'])
    expect(stored(vendor).join('\n')).toMatch(/octo\/one\/docs\/index\.md=(# Index\n\n)?One, v2\./)
    expect(stored(vendor).join('\n')).toMatch(/octo\/two\/docs\/index\.md=(# Index\n\n)?Two\./)
  })

  it('a renamed repository is warned about the docs under its old name, which it leaves alone; `namespace` takes them back', { timeout: 180_000 }, async () => {
    const repo = await repoWith({ 'docs/index.md': '# Index\n\nHello.\n', 'docs/gone.md': '# Gone\n\nBye.\n' })
    await fullSync(vendor, repo, 'octo/old-name')
    const before = stored(vendor)

    await repo.remove('docs/gone.md')
    const renamed = await fullSync(vendor, repo, 'octo/new-name')
    expect(renamed.report.warnings).toEqual([
      expect.stringMatching(/under octo\/old-name, written by this action.*set `namespace: octo\/old-name`.*delete them by hand/s)
    ])
    // The old docs were neither replaced nor deleted; the new name got its own copy.
    expect(stored(vendor).filter((s) => s.startsWith('octo/old-name/'))).toEqual(before)
    expect(stored(vendor).some((s) => s.startsWith('octo/new-name/docs/index.md='))).toBe(true)

    const kept = await fullSync(vendor, repo, 'octo/new-name', { namespace: 'octo/old-name' })
    expect(kept.outcomes).toEqual(['docs/gone.md: deleted', 'docs/index.md: unchanged'])
    expect(stored(vendor).some((s) => s.startsWith('octo/old-name/docs/gone.md'))).toBe(false)
    // Once it owns docs, the warning is not repeated.
    const again = await fullSync(vendor, repo, 'octo/new-name')
    expect(again.report.warnings).toEqual([])
  })
})

describe('docs written before namespaces existed', () => {
  it('are never touched, and a first full reconcile says to delete them by hand', async () => {
    emu.vendor('stackspot').seed({ knowledgeSources: [{ slug: 'shared', objects: [{ file_path: 'docs/index.md', content: 'from 1.0', standalone: false }] }] })
    const repo = await repoWith({ 'docs/index.md': '# Index\n' })
    const { report } = await fullSync('stackspot', repo, 'octo/docs')
    expect(report.warnings).toEqual([expect.stringMatching(/earlier version of this action wrote without a namespace.*delete them by hand/s)])
    expect(stored('stackspot')).toEqual(['docs/index.md=from 1.0', 'octo/docs/docs/index.md=# Index\n'])
  })
})
