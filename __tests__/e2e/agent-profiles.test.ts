/**
 * The PR run under every StackSpot agent emulator profile (issue 14): whatever shape the agent
 * answers in (STKAI stream, OpenAI-like stream, one REST body) and when it refuses the stored
 * conversation, the agent's answer is posted as the one sticky comment.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_ACCOUNTS } from '../../emulator/demo-accounts.ts'
import { startEmulator } from '../../emulator/server.ts'
import { GITHUB_EMULATOR_TOKEN } from '../../emulator/vendors/github/index.ts'
import { allVendors, type FullEmulator } from '../../emulator/vendors/index.ts'
import { AGENT_PROFILES } from '../../emulator/vendors/stackspot-agent/profiles.ts'
import { DEMO_CLIENT } from '../../emulator/vendors/stackspot-idm/index.ts'
import { makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { pullRequestPayload } from '../helpers/payloads.js'
import { runAction } from '../helpers/run-action.js'

const OWNER = 'octo'
const NAME = 'docs'
const FULL = `${OWNER}/${NAME}`
const PR = 7

/** Per profile: whether the second run continues the first run's conversation, and what its log must say. */
const EXPECTED: Record<string, { continues: boolean; log?: RegExp }> = {
  default: { continues: true },
  'stackspot-agent-openai-stream': { continues: false },
  'stackspot-agent-rest-answer': { continues: true },
  'stackspot-agent-conversation-rejected': {
    continues: false,
    log: /The agent refused the stored conversation [0-9A-Z]{26} .*the action assumed a conversation id from an earlier answer can be continued\. Asking once more as a new conversation\./
  }
}

let emu: FullEmulator
let repo: TestRepo
let base: string
let head: string
let workspace: string
beforeAll(async () => {
  emu = await startEmulator({ vendors: allVendors() })
  repo = await makeRepo({ 'docs/a.md': '# Alpha\n\nOld.\n' })
  base = await repo.head()
  await repo.write({ 'docs/a.md': '# Alpha\n\nNew.\n', 'docs/new.md': '# New page\n' })
  head = await repo.commit()
  await repo.push()
  workspace = await repo.checkout(head, 2)
})
afterAll(async () => {
  await emu?.close()
  await repo?.cleanup()
})
beforeEach(() => {
  emu.useDefaults('stackspot-agent')
  emu.reset()
  emu.vendor('stackspot').seed({ settings: { newKsDelayMs: 0 }, knowledgeSources: [{ slug: 'team-docs', objects: [] }] })
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

const comments = () => emu.vendor('github').state().comments[`${FULL}#${PR}`] ?? []

const run = (action: string) =>
  runAction({
    inputs: {
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
      paths: 'docs/**/*.md'
    },
    workspace,
    eventName: 'pull_request',
    payload: pullRequestPayload({ owner: OWNER, name: NAME, number: PR, headSha: head, baseSha: base, action, title: 'Rework alpha' }),
    emulatorUrl: emu.url,
    timeoutMs: 90_000
  })

describe('the agent on a pull request under each emulator profile', () => {
  it('has an expectation for every profile', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(['default', ...AGENT_PROFILES.map((p) => p.name)].sort())
  })

  it.each(Object.keys(EXPECTED))('%s: the answer is posted as the one comment', async (profile) => {
    if (profile !== 'default') emu.useProfile(profile)
    const expected = EXPECTED[profile]!
    const first = await run('opened')
    expect(first.code, first.log).toBe(0)
    expect(first.outputs.answer).toContain('Reviewed 2 changed docs: docs/a.md, docs/new.md.')
    expect(comments()).toHaveLength(1)
    expect(comments()[0]!.body).toContain('Reviewed 2 changed docs: docs/a.md, docs/new.md.')
    expect(comments()[0]!.body).toContain('This is turn 1 of the conversation')

    const second = await run('synchronize')
    expect(second.code, second.log).toBe(0)
    expect(comments()).toHaveLength(1)
    expect(comments()[0]!.body).toContain('Reviewed 2 changed docs')
    expect(comments()[0]!.body).toContain(`This is turn ${expected.continues ? 2 : 1} of the conversation`)
    if (expected.log) expect(second.log).toMatch(expected.log)
    if (profile === 'stackspot-agent-conversation-rejected') {
      // The new conversation's id replaces the refused one, so the next run does not ask with it again.
      expect(second.outputs['conversation-id']).toMatch(/^[0-9A-Z]{26}$/)
      expect(second.outputs['conversation-id']).not.toBe(first.outputs['conversation-id'])
    }
  })
})
