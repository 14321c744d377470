/**
 * End to end: the bundled action on pull_request events with `agent-id`, against the emulator
 * (StackSpot IDM, Knowledge Sources and agent, GitHub REST). One sticky comment after two runs,
 * outputs set, and a fork PR without secrets skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_ACCOUNTS } from '../../emulator/demo-accounts.ts'
import { startEmulator } from '../../emulator/server.ts'
import { GITHUB_EMULATOR_TOKEN } from '../../emulator/vendors/github/index.ts'
import { allVendors, type FullEmulator } from '../../emulator/vendors/index.ts'
import { DEMO_CLIENT } from '../../emulator/vendors/stackspot-idm/index.ts'
import { makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { pullRequestPayload } from '../helpers/payloads.js'
import { runAction } from '../helpers/run-action.js'

const OWNER = 'octo'
const NAME = 'docs'
const FULL = `${OWNER}/${NAME}`
const PR = 12

let emu: FullEmulator
let repo: TestRepo
let base: string
let head: string
let workspace: string
beforeAll(async () => {
  emu = await startEmulator({ vendors: allVendors() })
  repo = await makeRepo({ 'docs/a.md': '# Alpha\n\nOld.\n', 'docs/b.md': '# Beta\n' })
  base = await repo.head()
  await repo.write({ 'docs/a.md': '# Alpha\n\nNew wording for the agent.\n', 'docs/new.md': '# New page\n' })
  head = await repo.commit()
  await repo.push()
  workspace = await repo.checkout(head, 2)
  // The KS already holds the base's docs: merging would replace a.md and upload new.md.
  emu.vendor('stackspot').seed({
    settings: { newKsDelayMs: 0 },
    knowledgeSources: [
      {
        slug: 'team-docs',
        objects: [
          { file_path: `${FULL}/docs/a.md`, content: '# Alpha\n\nOld.\n', standalone: false },
          { file_path: `${FULL}/docs/b.md`, content: '# Beta\n', standalone: false }
        ]
      }
    ]
  })
  emu.vendor('github').seed({
    repo: FULL,
    pulls: [
      {
        number: PR,
        title: 'Rework alpha',
        head: { sha: head },
        base: { sha: base },
        files: [
          { filename: 'docs/a.md', status: 'modified' },
          { filename: 'docs/new.md', status: 'added' }
        ]
      }
    ]
  })
})
afterAll(async () => {
  await emu?.close()
  await repo?.cleanup()
})

const inputs = (extra: Record<string, string> = {}) => ({
  vendor: 'stackspot',
  'client-id': DEMO_CLIENT.clientId,
  'client-secret': DEMO_CLIENT.clientSecret,
  realm: DEMO_CLIENT.realm,
  'knowledge-base': 'team-docs',
  'api-url': `${emu.url}/stackspot`,
  'auth-url': `${emu.url}/stackspot/idm/${DEMO_CLIENT.realm}/oidc/oauth/token`,
  'agent-id': DEMO_ACCOUNTS.stackspotAgentId,
  'agent-url': `${emu.url}/stackspot/agent`,
  'github-token': GITHUB_EMULATOR_TOKEN,
  paths: 'docs/**/*.md',
  ...extra
})

const comments = () => emu.vendor('github').state().comments[`${FULL}#${PR}`] ?? []
const agentState = () => emu.vendor('stackspot-agent').state()

describe('agent on pull requests, end to end', () => {
  it('two runs on a PR leave one comment, continue the conversation and set the outputs', async () => {
    const run = (action: string) =>
      runAction({
        inputs: inputs(),
        workspace,
        eventName: 'pull_request',
        payload: pullRequestPayload({
          owner: OWNER,
          name: NAME,
          number: PR,
          headSha: head,
          baseSha: base,
          action,
          title: 'Rework alpha',
          body: 'Please review @octocat'
        }),
        emulatorUrl: emu.url,
        timeoutMs: 90_000
      })
    const first = await run('opened')
    expect(first.code, first.log).toBe(0)
    expect(first.outputs.answer).toContain('Reviewed 2 changed docs: docs/a.md, docs/new.md.')
    expect(first.outputs['conversation-id']).toMatch(/^[0-9A-Z]{26}$/)
    const [c] = comments()
    expect(first.outputs['comment-url']).toBe(c!.html_url)
    expect(c!.user.login).toBe('github-actions[bot]')
    expect(c!.body).toMatch(/\*\*Upload\*\* \(1\):\n- `docs\/new\.md`/)
    expect(c!.body).toMatch(/\*\*Replace\*\* \(1\):\n- `docs\/a\.md`/)
    expect(first.summary).toContain('## StackSpot agent')
    expect(first.summary).toContain('Reviewed 2 changed docs')
    // The prompt had the PR text and the real diff; nothing was written to the knowledge source.
    expect(agentState().conversations[0]!.turns[0]!.prompt).toContain('Please review @octocat')
    expect(agentState().conversations[0]!.turns[0]!.prompt).toContain('+New wording for the agent.')
    expect(
      emu.requests.filter(
        (r) => r.path.startsWith('/stackspot/') && !r.path.startsWith('/stackspot/idm') && !r.path.startsWith('/stackspot/agent') && r.method !== 'GET'
      )
    ).toEqual([])

    const second = await run('synchronize')
    expect(second.code, second.log).toBe(0)
    expect(comments()).toHaveLength(1)
    expect(second.outputs['conversation-id']).toBe(first.outputs['conversation-id'])
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url'])
    expect(comments()[0]!.body).toContain('turn 2 of the conversation')
    // Only the runner's mask command may name the secret.
    expect(
      second.log
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n')
    ).not.toContain(DEMO_CLIENT.clientSecret)
    expect(comments()[0]!.body).not.toContain(DEMO_CLIENT.clientSecret)
  })

  it('a fork PR without secrets is skipped with one notice and exit 0', async () => {
    const chatsBefore = agentState().chats
    const commentsBefore = comments().length
    const r = await runAction({
      inputs: inputs({ 'client-id': '', 'client-secret': '' }),
      workspace,
      eventName: 'pull_request',
      payload: pullRequestPayload({ owner: OWNER, name: NAME, number: PR, headSha: head, baseSha: base, headRepo: 'mallory/docs' }),
      emulatorUrl: emu.url
    })
    expect(r.code, r.log).toBe(0)
    expect(r.log).toMatch(/::notice.*fork/)
    expect(agentState().chats).toBe(chatsBefore)
    expect(comments()).toHaveLength(commentsBefore)
  })
})

describe('agent failures, end to end', () => {
  it('a read-only token: green run, answer in the summary, a warning naming pull-requests: write', async () => {
    const readOnly = 'ghs_read_only_e2e_token_000000000000'
    emu.vendor('github').seed({ tokens: { [readOnly]: { login: 'github-actions[bot]', type: 'Bot', id: 41898282, readOnly: true } } })
    const before = comments().map((c) => c.body)
    const r = await runAction({
      inputs: inputs({ 'github-token': readOnly }),
      workspace,
      eventName: 'pull_request',
      payload: pullRequestPayload({ owner: OWNER, name: NAME, number: PR, headSha: head, baseSha: base, action: 'synchronize' }),
      emulatorUrl: emu.url
    })
    expect(r.code, r.log).toBe(0)
    expect(r.log).toMatch(/::warning::.*HTTP 403.*pull-requests: write/)
    expect(r.summary).toContain('Reviewed 2 changed docs')
    expect(r.outputs['comment-url']).toBe('')
    expect(r.outputs.answer).toContain('Reviewed 2 changed docs')
    expect(comments().map((c) => c.body)).toEqual(before)
  })

  it('a stalled stream fails the run after the sync, with the reason in the summary and no comment', async () => {
    const commentsBefore = comments().map((c) => c.body)
    emu.faults.add({ kind: 'vendor', name: 'stackspot-agent-stall', data: { afterEvents: 2 } })
    const r = await runAction({
      inputs: inputs(),
      workspace,
      eventName: 'pull_request',
      payload: pullRequestPayload({ owner: OWNER, name: NAME, number: PR, headSha: head, baseSha: base, action: 'synchronize' }),
      emulatorUrl: emu.url,
      env: { KS_AGENT_IDLE_TIMEOUT_MS: '500' }
    })
    expect(r.code, r.log).toBe(1)
    expect(r.log).toMatch(/::error::.*agent step failed.*sent nothing for/)
    expect(r.summary).toMatch(/StackSpot agent[\s\S]*sent nothing for/)
    expect(comments().map((c) => c.body)).toEqual(commentsBefore)
  })
})
