/**
 * End to end: the bundled command line (dist/cli/index.js, what `npx knowledge-sync` runs) in a
 * plain git clone against the emulator, for every vendor: no GitHub event, no GitHub API, changes
 * from git alone. Inputs come from all three sources (flags, KNOWLEDGE_SYNC_* and the config file)
 * and go through the action's validation.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_ACCOUNTS, demoInputs } from '../../emulator/demo-accounts.ts'
import { startEmulator } from '../../emulator/server.ts'
import { allVendors, type FullEmulator } from '../../emulator/vendors/index.ts'
import { envName } from '../../src/cli/usage.ts'
import { INPUT_SPECS } from '../../src/inputs.ts'
import { git, makeRepo, type TestRepo } from '../helpers/git-repo.ts'
import { type CliResult, runCli } from '../helpers/run-cli.ts'

type Vendor = 'stackspot' | 'staffify' | 'telzino' | 'castrel'
const VENDORS: Vendor[] = ['stackspot', 'staffify', 'telzino', 'castrel']
const SECRET = new Set(INPUT_SPECS.filter((s) => s.secret).map((s) => s.name))

let emu: FullEmulator
const repos: TestRepo[] = []
beforeAll(async () => {
  emu = await startEmulator({ vendors: allVendors(), processingMs: 30 })
})
afterAll(async () => {
  for (const r of repos) await r.cleanup()
  await emu?.close()
})

/** A clone whose origin names octo/docs, as a checkout of github.com/octo/docs would. */
async function clone(files: Record<string, string>): Promise<TestRepo> {
  const repo = await makeRepo(files)
  repos.push(repo)
  await git(repo.work, 'remote', 'set-url', 'origin', 'https://github.com/octo/docs.git')
  return repo
}

/**
 * The vendor's demo inputs, split the way a user would give them: secrets in the environment, the
 * URLs as flags, the rest in .knowledge-sync.yml.
 */
function sources(vendor: Vendor, extra: Record<string, string> = {}) {
  const all = demoInputs(vendor, emu.url, {
    'knowledge-base': vendor === 'stackspot' ? 'cli-ks' : 'Docs',
    'processing-timeout': '30',
    ...extra
  })
  if (vendor === 'castrel') delete all['knowledge-base']
  const env: Record<string, string> = {}
  const flags: string[] = []
  const config: string[] = ['# inputs for knowledge-sync, as in action.yml', 'paths:', '  - docs/**/*.md', "  - '!docs/drafts/**'"]
  for (const [name, value] of Object.entries(all)) {
    if (SECRET.has(name)) env[envName(name)] = value
    else if (name.endsWith('-url')) flags.push(`--${name}`, value)
    else config.push(`${name}: "${value}"`)
  }
  return {
    env,
    flags,
    config: `${config.join('\n')}\n`,
    secrets: Object.entries(all)
      .filter(([n]) => SECRET.has(n))
      .map(([, v]) => v)
  }
}

interface PlanJson {
  ok: boolean
  scope: string
  scope_reason: string
  dry_run: boolean
  counts: Record<string, number>
  items: Array<{ path: string; action: string; outcome: string; reason: string }>
}
const parse = (r: CliResult) => JSON.parse(r.stdout) as PlanJson
const rows = (p: PlanJson) => p.items.map((i) => `${i.outcome} ${i.path}`).sort()
/** Requests that change a store: not reads, token requests or Castrel's POST listing. */
const writes = () => emu.requests.filter((r) => r.method !== 'GET' && !/token|\/list$/.test(r.path))

describe.each(VENDORS)('knowledge-sync against the %s emulator', (vendor) => {
  it('plans, syncs, then syncs one commit with --since, leaving the store equal to the repository', async () => {
    const repo = await clone({
      'docs/a.md': '# Alpha\n\nFirst doc.\n',
      'docs/b.md': '# Beta\n\nSecond doc.\n',
      'docs/old.md': '# Moving\n\nThis doc is renamed in the second commit, with enough text for git to see a rename.\n',
      'docs/gone.md': '# Gone\n\nDeleted in the second commit.\n',
      'docs/drafts/wip.md': '# Draft\n',
      'src/app.ts': 'export {}\n'
    })
    const s = sources(vendor)
    await writeFile(join(repo.work, '.knowledge-sync.yml'), s.config)
    const cli = (...args: string[]) => runCli(repo.work, [...args, ...s.flags], s.env)
    const all: CliResult[] = []
    const run = async (...args: string[]) => {
      const r = await cli(...args)
      all.push(r)
      return r
    }

    emu.requests.length = 0
    const plan = await run('plan', '--json')
    expect(plan.code, plan.log).toBe(0)
    const planned = parse(plan)
    expect(planned).toMatchObject({ ok: true, scope: 'full', dry_run: true })
    expect(rows(planned)).toEqual(['planned docs/a.md', 'planned docs/b.md', 'planned docs/gone.md', 'planned docs/old.md'])
    expect(writes(), 'a plan writes nothing').toEqual([])

    const sync = await run('sync')
    expect(sync.code, sync.log).toBe(0)
    expect(sync.stdout).toMatch(/Done: 4 uploaded, 0 deleted/)

    await repo.write({ 'docs/a.md': '# Alpha\n\nFirst doc, edited.\n' })
    await repo.rename('docs/old.md', 'docs/guide/new.md')
    await repo.remove('docs/gone.md')
    await repo.commit('edit, rename, delete')
    const since = await run('sync', '--since', 'HEAD~1', '--json')
    expect(since.code, since.log).toBe(0)
    const synced = parse(since)
    expect(synced.scope).toBe('diff')
    expect(synced.scope_reason).toContain('--since HEAD~1')
    const outcome = (p: string) => synced.items.find((i) => i.path === p)?.outcome
    expect(outcome('docs/a.md')).toBe('replaced')
    expect(outcome('docs/guide/new.md')).toBe('uploaded')
    expect(['deleted', 'tombstoned']).toContain(outcome('docs/old.md'))
    expect(['deleted', 'tombstoned']).toContain(outcome('docs/gone.md'))
    expect(outcome('docs/b.md'), 'only the commit is synced').toBeUndefined()

    // The store now holds exactly the repository's docs: a full sync finds each unchanged and nothing to delete
    // (a sync, not a plan: Telzino lists no content hash and compares on upload).
    const after = await run('sync', '--json')
    expect(after.code, after.log).toBe(0)
    expect(rows(parse(after))).toEqual(['unchanged docs/a.md', 'unchanged docs/b.md', 'unchanged docs/guide/new.md'])

    for (const r of all) {
      for (const secret of s.secrets) expect(r.log, 'secrets never printed').not.toContain(secret)
      expect(r.stdout).not.toContain('::')
    }
  })
})

describe('the store as the vendor holds it', () => {
  it('keeps StackSpot objects under the origin repository, with the committed text', async () => {
    const repo = await clone({ 'docs/x.md': '# X\n\nText of x.\n' })
    const s = sources('stackspot', { 'knowledge-base': 'cli-contents' })
    await writeFile(join(repo.work, '.knowledge-sync.yml'), s.config)
    const r = await runCli(repo.work, ['sync', ...s.flags], s.env)
    expect(r.code, r.log).toBe(0)
    const ks = emu
      .vendor('stackspot')
      .state()
      .knowledgeSources.find((k) => k.slug === 'cli-contents')!
    expect(ks.objects.map((o) => `${o.file_path}=${o.content}`)).toEqual(['octo/docs/docs/x.md=# X\n\nText of x.\n'])
  })
})

describe('bad input', () => {
  let repo: TestRepo
  beforeAll(async () => {
    repo = await clone({ 'docs/a.md': '# A\n' })
  })
  const staffify = () => sources('staffify')

  it('exits 2 naming the input, and prints one JSON document with --json', async () => {
    const s = staffify()
    const r = await runCli(repo.work, ['plan', '--vendor', 'staffify', '--max-deletions', 'lots', '--api-url', `${emu.url}/staffify/v1`], s.env)
    expect(r.code, r.log).toBe(2)
    expect(r.stderr).toContain('`max-deletions` is "lots"')
    const j = await runCli(repo.work, ['plan', '--json', '--vendor', 'staffify', '--api-url', `${emu.url}/staffify/v1`])
    expect(j.code).toBe(2)
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, exit_code: 2, error: expect.stringContaining('`api-key` is required') })
  })

  it('refuses a secret as a flag or in the config file, naming the variable to use, and never echoes it', async () => {
    const flag = await runCli(repo.work, ['sync', '--vendor', 'staffify', '--api-key', 'sfy_live_flag_secret_123'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain('KNOWLEDGE_SYNC_API_KEY')
    expect(flag.stderr).toContain('--api-key-file')
    expect(flag.log).not.toContain('sfy_live_flag_secret_123')

    await writeFile(join(repo.root, 'bad.yml'), 'vendor: staffify\napi-key: sfy_live_config_secret_456\n')
    const config = await runCli(repo.work, ['plan', '--config', join(repo.root, 'bad.yml')])
    expect(config.code).toBe(2)
    expect(config.stderr).toContain('KNOWLEDGE_SYNC_API_KEY')
    expect(config.log).not.toContain('sfy_live_config_secret_456')
  })

  it('takes a secret from --<name>-file, and exits 2 on unknown options, inputs the command decides and unknown refs', async () => {
    const s = staffify()
    await writeFile(join(repo.root, 'key'), `${DEMO_ACCOUNTS.staffify.apiKey}\n`)
    const fromFile = await runCli(repo.work, ['plan', '--vendor', 'staffify', '--knowledge-base', 'Docs', '--api-key-file', join(repo.root, 'key'), ...s.flags])
    expect(fromFile.code, fromFile.log).toBe(0)
    expect(fromFile.log).not.toContain(DEMO_ACCOUNTS.staffify.apiKey)

    for (const args of [
      ['plan', '--no-such-option', 'x'],
      ['plan', '--mode', 'full'],
      ['frobnicate'],
      ['sync', '--since', 'no-such-ref', '--vendor', 'staffify']
    ]) {
      const r = await runCli(repo.work, args, s.env)
      expect(r.code, `${args.join(' ')}\n${r.log}`).toBe(2)
    }
  })

  it('prints help generated from the inputs', async () => {
    const r = await runCli(repo.work, ['sync', '--help'])
    expect(r.code).toBe(0)
    for (const text of ['--knowledge-base <value>', 'KNOWLEDGE_SYNC_MAX_DELETIONS', '--client-secret-file <path>', 'Exit codes:'])
      expect(r.stdout).toContain(text)
    expect(r.stdout).toMatch(/Default:\s+25\./)
    expect(r.stdout).not.toContain('--mode <value>')
  })
})

describe('ask and doctor', () => {
  it('asks the StackSpot agent about the diff since a commit and prints its answer', async () => {
    const repo = await clone({ 'docs/a.md': '# A\n\nOne.\n' })
    await repo.write({ 'docs/a.md': '# A\n\nTwo.\n', 'docs/new.md': '# New\n' })
    await repo.commit('docs change')
    const s = sources('stackspot', { 'knowledge-base': 'cli-ask', 'agent-id': DEMO_ACCOUNTS.stackspotAgentId })
    await writeFile(join(repo.work, '.knowledge-sync.yml'), s.config)
    const r = await runCli(repo.work, ['ask', '--since', 'HEAD~1', ...s.flags], s.env)
    expect(r.code, r.log).toBe(0)
    expect(r.stdout).toContain('Reviewed 2 changed docs: docs/a.md, docs/new.md.')
    expect(r.stdout).toContain('Verdict: the change is consistent')
    for (const secret of s.secrets) expect(r.log).not.toContain(secret)
  })

  it('runs the doctor against the Staffify emulator', async () => {
    const repo = await clone({ 'docs/a.md': '# A\n' })
    const s = sources('staffify')
    await writeFile(join(repo.work, '.knowledge-sync.yml'), s.config)
    const r = await runCli(repo.work, ['doctor', '--json', ...s.flags], s.env)
    expect(r.code, r.log).toBe(0)
    const report = JSON.parse(r.stdout) as { ok: boolean; vendor: string; canary: { removed: boolean } }
    expect(report).toMatchObject({ ok: true, vendor: 'staffify', canary: { removed: true } })
  })
})
