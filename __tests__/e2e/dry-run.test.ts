/**
 * The foundation's promise, end to end through the bundle: a dry run on a push prints a correct
 * plan for adds, modifies, renames and deletes, writes nothing, and never reads a symlink.
 */
import { symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { GITHUB_EMULATOR_TOKEN, createGithubEmulator, type GithubEmulator } from '../../emulator/vendors/github/index.ts'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import { createStaffifyEmulator, type StaffifyEmulator } from '../../emulator/vendors/staffify/index.ts'
import { makeRepo, type TestRepo } from '../helpers/git-repo.ts'
import { pushPayload } from '../helpers/payloads.ts'
import { runAction } from '../helpers/run-action.ts'
import { runRecorded } from '../helpers/workflow-runs.ts'

let emu: RunningEmulator<StaffifyEmulator | GithubEmulator>
let repo: TestRepo
const inputs = (emuUrl: string) =>
  demoInputs('staffify', emuUrl, { 'knowledge-base': 'Plan test', paths: 'docs/**/*.md', 'github-token': GITHUB_EMULATOR_TOKEN })

beforeAll(async () => {
  emu = await startEmulator({ vendors: [createStaffifyEmulator(), createGithubEmulator()] })
  repo = await makeRepo({
    'docs/keep.md': '# Keep\n\nUnchanged.\n',
    'docs/edit.md': '# Edit\n\nVersion one.\n',
    'docs/old-name.md': '# Moving\n\nThis doc is renamed in the second push, with enough text for git to see the rename.\n',
    'docs/drop.md': '# Drop\n\nDeleted in the second push.\n'
  })
})
afterAll(async () => {
  await repo?.cleanup()
  await emu?.close()
})

describe('dry run on a push', () => {
  it('plans adds, modifies, renames and deletes exactly, and writes nothing', async () => {
    const first = await repo.push()
    // Recorded as GitHub would: the second push's run diffs from the commit this one synced.
    const r1 = await runRecorded(emu.vendor('github'), {
      inputs: inputs(emu.url),
      workspace: await repo.checkout(),
      eventName: 'push',
      payload: pushPayload({ owner: 'octo', name: 'docs', ...first }),
      emulatorUrl: emu.url,
      headSha: first.after
    })
    expect(r1.code, r1.log).toBe(0)
    expect(r1.outputs.uploaded).toBe('4')

    await repo.write({
      'docs/edit.md': '# Edit\n\nVersion two.\n',
      'docs/ünïcødé 日本.md': '# Unicode\n\nName with spaces and CJK.\n',
      'docs/new.md': '# New\n\nAdded.\n'
    })
    await repo.rename('docs/old-name.md', 'docs/guide/new-name.md')
    await repo.remove('docs/drop.md')
    await symlink('/etc/passwd', join(repo.work, 'docs/passwd.md'))
    await repo.commit('second push')
    const second = await repo.push()
    const before = JSON.stringify(emu.state().staffify)
    emu.requests.length = 0

    // A deeper checkout than the default so git itself can diff the push (the compare-API path has its own tests).
    const r2 = await runAction({
      inputs: { ...inputs(emu.url), 'dry-run': 'true' },
      workspace: await repo.checkout(second.after, 5),
      eventName: 'push',
      payload: pushPayload({ owner: 'octo', name: 'docs', ...second }),
      emulatorUrl: emu.url
    })
    expect(r2.code, r2.log).toBe(0)
    const plan = JSON.parse(r2.outputs.plan!) as Array<{ path: string; action: string; outcome: string; reason: string }>
    const row = (p: string) => plan.find((i) => i.path === p)
    expect(plan.map((i) => `${i.action} ${i.path}`).sort()).toEqual(
      [
        'delete docs/drop.md',
        'delete docs/old-name.md',
        'replace docs/edit.md',
        'skip docs/passwd.md',
        'upload docs/guide/new-name.md',
        'upload docs/new.md',
        'upload docs/ünïcødé 日本.md'
      ].sort()
    )
    expect(row('docs/guide/new-name.md')!.reason).toContain('renamed from docs/old-name.md')
    expect(row('docs/old-name.md')!.reason).toBe('renamed to docs/guide/new-name.md')
    expect(row('docs/passwd.md')!.reason).toMatch(/symbolic link/)
    expect(plan.filter((i) => i.action !== 'skip').every((i) => i.outcome === 'planned')).toBe(true)
    expect(r2.outputs['dry-run']).toBe('true')
    expect(r2.outputs.uploaded).toBe('0')
    expect(r2.outputs.planned).toBe('6')
    expect(r2.planFile).toBe(r2.outputs.plan)

    // Nothing written, and the symlink's target never read.
    expect(emu.requests.filter((q) => q.method !== 'GET')).toEqual([])
    expect(JSON.stringify(emu.state().staffify)).toBe(before)
    expect(r2.log).not.toContain('root:x:0:0')
    expect(r2.stdout).toMatch(/::warning title=Knowledge Sync%3A skipped,file=docs\/passwd\.md::Skipped docs\/passwd\.md: is a symbolic link/)
    expect(r2.summary).toContain('**Dry run:** nothing was written')
    expect(r2.summary).toContain('docs/ünïcødé 日本.md')
  })
})
