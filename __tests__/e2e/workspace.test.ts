/**
 * End to end: a job that forgot actions/checkout, or checked out another repository, must fail
 * and delete nothing, although its full reconcile would see every synced doc as deleted.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoInputs } from '../../emulator/demo-accounts.ts'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { StackSpotIdm } from '../../emulator/vendors/stackspot-idm/index.ts'
import { createStackspotEmulator, type StackspotEmulator } from '../../emulator/vendors/stackspot/index.ts'
import { git, makeRepo, type TestRepo } from '../helpers/git-repo.ts'
import { workflowDispatchPayload } from '../helpers/payloads.ts'
import { runAction } from '../helpers/run-action.ts'

let emu: RunningEmulator<StackSpotIdm | StackspotEmulator>
let empty: string
let ours: TestRepo
let theirs: TestRepo
beforeAll(async () => {
  const idm = new StackSpotIdm()
  emu = await startEmulator({ vendors: [idm, createStackspotEmulator(idm)], processingMs: 30 })
  empty = await mkdtemp(join(tmpdir(), 'ks-no-checkout-'))
  ours = await makeRepo({ 'docs/a.md': 'A', 'docs/b.md': 'B' })
  await ours.push()
  theirs = await makeRepo({ 'docs/other.md': 'not ours' })
  await theirs.push()
})
afterAll(async () => {
  await emu.close()
  await rm(empty, { recursive: true, force: true })
  await ours.cleanup()
  await theirs.cleanup()
})

/** The KS as earlier runs of octo/docs left it: two owned objects. */
const SYNCED = ['octo/docs/docs/a.md=A', 'octo/docs/docs/b.md=B']
beforeEach(() => {
  emu.reset()
  emu.vendor('stackspot').seed({
    settings: { newKsDelayMs: 0 },
    knowledgeSources: [
      {
        slug: 'team-docs',
        objects: [
          { file_path: 'octo/docs/docs/a.md', content: 'A', standalone: false },
          { file_path: 'octo/docs/docs/b.md', content: 'B', standalone: false }
        ]
      }
    ]
  })
})

const contents = () =>
  (
    emu
      .vendor('stackspot')
      .state()
      .knowledgeSources.find((k) => k.slug === 'team-docs')?.objects ?? []
  )
    .map((o) => `${o.file_path}=${o.content}`)
    .sort()
const dispatch = (workspace: string, sha?: string) =>
  runAction({
    inputs: demoInputs('stackspot', emu.url, { 'knowledge-base': 'team-docs', paths: 'docs/**/*.md' }),
    workspace,
    eventName: 'workflow_dispatch',
    payload: workflowDispatchPayload({ owner: 'octo', name: 'docs' }),
    sha,
    emulatorUrl: emu.url
  })

describe('a workspace that is not the checkout', () => {
  it('without actions/checkout (an empty workspace) the run fails naming the step, and deletes nothing', async () => {
    const r = await dispatch(empty, await ours.head())
    expect(r.code).toBe(1)
    expect(r.log).toMatch(/::error::.*not a git checkout.*actions\/checkout/)
    expect(r.outputs.deleted ?? '0').toBe('0')
    expect(contents()).toEqual(SYNCED)
    // Not one request to the vendor, not even a sign-in.
    expect(emu.requests).toEqual([])
  })

  it('a clone of another repository fails naming both repositories, and deletes nothing', async () => {
    const workspace = await theirs.checkout()
    await git(workspace, 'remote', 'set-url', 'origin', 'https://github.com/octo/other-docs.git')
    const r = await dispatch(workspace, await ours.head())
    expect(r.code).toBe(1)
    expect(r.log).toMatch(/::error::.*clone of octo\/other-docs, not of octo\/docs.*actions\/checkout/)
    expect(contents()).toEqual(SYNCED)
    expect(emu.requests).toEqual([])
  })

  it('the checkout itself syncs as usual', async () => {
    const r = await dispatch(await ours.checkout())
    expect(r.code, r.log).toBe(0)
    expect(r.outputs).toMatchObject({ unchanged: '2', deleted: '0' })
  })
})
