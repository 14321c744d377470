/**
 * The agent step in-process against the emulator: the StackSpot IDM and agent, and the GitHub
 * REST API for the sticky comment. Assertions are on the comments GitHub holds afterwards, the
 * prompts the agent received, the result and the log.
 */
import { getOctokit } from '@actions/github'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { DEMO_ACCOUNTS } from '../../emulator/demo-accounts.ts'
import { createGithubEmulator, GITHUB_EMULATOR_TOKEN, type GithubEmulator } from '../../emulator/vendors/github/index.ts'
import { createStackspotAgentEmulator, type StackspotAgentEmulator } from '../../emulator/vendors/stackspot-agent/index.ts'
import { DEMO_CLIENT, StackSpotIdm } from '../../emulator/vendors/stackspot-idm/index.ts'
import { runAgentStep, type AgentStepInput } from '../../src/agent/index.js'
import { docsDiff } from '../../src/agent/diff.js'
import { commentKey } from '../../src/agent/marker.js'
import { toRunContext } from '../../src/context.js'
import { memoryLog } from '../../src/log.js'
import { StackSpotTokens } from '../../src/vendors/stackspot/auth.js'
import { makeRepo, type TestRepo } from '../helpers/git-repo.js'
import { pullRequestPayload, pullRequestReviewPayload, workflowDispatchPayload } from '../helpers/payloads.js'
import { itemResult, settingsFrom, syncReport } from '../helpers/fixtures.js'

const OWNER = 'octo'
const NAME = 'docs'
const FULL = `${OWNER}/${NAME}`
const PR = 7
const KB = 'team-docs'
const PAT = 'ghp_personal_access_token_for_tests_000'
const READ_ONLY = 'ghs_read_only_token_for_tests_0000000'
/** The marker key of a step run without GITHUB_WORKFLOW_REF and GITHUB_JOB. */
const KEY = commentKey('', {}, KB)

let emu: RunningEmulator<StackSpotIdm | StackspotAgentEmulator | GithubEmulator>
let repo: TestRepo
let base: string
let head: string
beforeAll(async () => {
  const idm = new StackSpotIdm()
  emu = await startEmulator({ vendors: [idm, createStackspotAgentEmulator(idm), createGithubEmulator()] })
  repo = await makeRepo({ 'docs/a.md': '# Alpha\n\nOld text.\n', 'docs/b.md': '# Beta\n' })
  base = await repo.head()
  await repo.write({ 'docs/a.md': '# Alpha\n\nNew text about INSTALL-STEPS.\n', 'docs/c.md': '# Gamma\n' })
  await repo.remove('docs/b.md')
  head = await repo.commit()
})
afterAll(async () => {
  await emu.close()
  await repo.cleanup()
})
beforeEach(() => {
  emu.reset()
  emu.vendor('github').seed({
    repo: FULL,
    pulls: [{ number: PR, title: 'Docs change', head: { sha: head }, base: { sha: base } }],
    tokens: { [PAT]: { login: 'docs-bot-user', type: 'User' }, [READ_ONLY]: { login: 'github-actions[bot]', type: 'Bot', id: 41898282, readOnly: true } }
  })
})

const comments = () => emu.vendor('github').state().comments[`${FULL}#${PR}`] ?? []
const conversations = () => emu.vendor('stackspot-agent').state().conversations
const allTurns = () => conversations().flatMap((c) => c.turns)

const report = syncReport({
  scopeReason: `pull request #${PR}`,
  dryRun: true,
  items: [
    itemResult('docs/a.md', 'replace', 'planned', 'content changed'),
    itemResult('docs/c.md', 'upload', 'planned', 'new file'),
    itemResult('docs/b.md', 'delete', 'planned', 'file removed')
  ]
})

function settingsFor(event: string, extra: Record<string, string> = {}) {
  const inputs: Record<string, string> = {
    vendor: 'stackspot',
    'knowledge-base': KB,
    'client-id': DEMO_CLIENT.clientId,
    'client-secret': DEMO_CLIENT.clientSecret,
    realm: DEMO_CLIENT.realm,
    'api-url': `${emu.url}/stackspot`,
    'auth-url': `${emu.url}/stackspot/idm/${DEMO_CLIENT.realm}/oidc/oauth/token`,
    'agent-id': DEMO_ACCOUNTS.stackspotAgentId,
    'agent-url': `${emu.url}/stackspot/agent`,
    'github-token': GITHUB_EMULATOR_TOKEN,
    ...extra
  }
  return settingsFrom(inputs, event)
}

async function step(
  opts: {
    event?: string
    payload?: Record<string, unknown>
    inputs?: Record<string, string>
    token?: string | null
    timeouts?: AgentStepInput['timeouts']
  } = {}
) {
  const event = opts.event ?? 'pull_request'
  const payload =
    opts.payload ?? pullRequestPayload({ owner: OWNER, name: NAME, number: PR, headSha: head, baseSha: base, action: 'synchronize', title: 'Docs change' })
  const settings = settingsFor(event, opts.inputs)
  const run = toRunContext(
    { eventName: event, sha: head, payload, serverUrl: 'https://github.com', apiUrl: `${emu.url}/github`, repo: { owner: OWNER, repo: NAME } },
    repo.work,
    // No GITHUB_WORKFLOW_REF / GITHUB_JOB: the comment key is the same wherever the tests run.
    {}
  )
  const log = memoryLog()
  const token = opts.token === undefined ? GITHUB_EMULATOR_TOKEN : opts.token
  const result = await runAgentStep({
    settings,
    run,
    report,
    changedDocPaths: ['docs/a.md', 'docs/b.md', 'docs/c.md'],
    log,
    tokens: new StackSpotTokens({ clientId: settings.clientId, clientSecret: settings.clientSecret, authUrl: settings.authUrl }, log),
    octokit: token === null ? undefined : getOctokit(token, { baseUrl: `${emu.url}/github` }),
    timeouts: opts.timeouts
  })
  return { result, log: log.lines.join('\n') }
}

const answerFault = (text: string) => emu.faults.add({ kind: 'vendor', name: 'stackspot-agent-answer', data: { text } })

describe('agent step on a pull request', () => {
  it('streams the answer through awkward framing and posts one comment with plan, sources and tokens', async () => {
    emu.faults.add({ kind: 'vendor', name: 'stackspot-agent-sse', data: { chunkBytes: 7, crlf: true, comments: true, multiline: true } })
    const { result } = await step()
    expect(result?.answer).toContain('Reviewed 3 changed docs: docs/a.md, docs/b.md, docs/c.md.')
    expect(result?.answer).toContain('Ünïcödé ✓ 日本語 🚀')
    const [c, ...more] = comments()
    expect(more).toEqual([])
    expect(c!.user.login).toBe('github-actions[bot]')
    expect(c!.body.startsWith(`<!-- knowledge-sync:stackspot:${KB} key=${KEY} conversation=${result!.conversationId} -->`)).toBe(true)
    expect(result!.commentUrl).toBe(c!.html_url)
    expect(c!.body).toContain('Reviewed 3 changed docs')
    expect(c!.body).toMatch(/Upload\*\* \(1\):\n- `docs\/c\.md`/)
    expect(c!.body).toMatch(/Replace\*\* \(1\):\n- `docs\/a\.md`/)
    expect(c!.body).toMatch(/Delete\*\* \(1\):\n- `docs\/b\.md`/)
    expect(c!.body).toContain('`01DEMOKS0000000000000000AA`')
    expect(c!.body).toMatch(/tokens: input \d+ · output \d+/)
    // The prompt carried the real git diff of the docs and the request the documented flags.
    const [turn] = allTurns()
    expect(turn!.streaming).toBe(true)
    expect(turn!.prompt).toContain('+New text about INSTALL-STEPS.')
    expect(turn!.request).toMatchObject({ streaming: true, stackspot_knowledge: true, return_ks_in_response: true, use_conversation: true })
    expect(turn!.request.conversation_id).toBeUndefined()
    expect(result!.summaryMarkdown).toContain('Reviewed 3 changed docs')
  })

  it('a second run updates the same comment and continues the conversation', async () => {
    const first = await step()
    const second = await step()
    expect(comments()).toHaveLength(1)
    expect(second.result!.conversationId).toBe(first.result!.conversationId)
    expect(second.result!.answer).toContain('turn 2 of the conversation')
    expect(comments()[0]!.body).toContain('turn 2 of the conversation')
    const convs = conversations()
    expect(convs).toHaveLength(1)
    expect(convs[0]!.turns[1]!.request.conversation_id).toBe(first.result!.conversationId)
    expect(second.log).toContain(`Continuing agent conversation ${first.result!.conversationId}`)
  })

  it('keeps the conversation id when a continued stream does not repeat it', async () => {
    const first = await step()
    emu.faults.add({ kind: 'vendor', name: 'stackspot-agent-sse', data: { noConversationId: true } })
    const second = await step()
    expect(second.result!.answer).toContain('turn 2 of the conversation')
    expect(second.result!.conversationId).toBe(first.result!.conversationId)
    expect(comments()[0]!.body.split('\n')[0]).toContain(`conversation=${first.result!.conversationId}`)
  })

  it('finds its comment beyond the first page of comments', async () => {
    emu.vendor('github').seed({ repo: FULL, comments: Array.from({ length: 120 }, (_, i) => ({ issue: PR, body: `chatter ${i}`, user: 'someone' })) })
    await step()
    await step()
    expect(comments().filter((c) => c.user.login === 'github-actions[bot]')).toHaveLength(1)
    expect(conversations()[0]!.turns).toHaveLength(2)
  })

  it("never edits a human's comment carrying the marker, nor continues its conversation", async () => {
    const forged = `<!-- knowledge-sync:stackspot:${KB} key=${KEY} conversation=HUMANCONVERSATION0000000 -->\nI copied the marker`
    emu.vendor('github').seed({ repo: FULL, comments: [{ issue: PR, body: forged, user: { login: 'mallory', type: 'User' } }] })
    await step()
    const list = comments()
    expect(list).toHaveLength(2)
    expect(list[0]!.body).toBe(forged)
    expect(list[1]!.user.login).toBe('github-actions[bot]')
    expect(allTurns()[0]!.request.conversation_id).toBeUndefined()
  })

  it('a PAT comments as its own user, found through GET /user', async () => {
    await step({ token: PAT, inputs: { 'github-token': PAT } })
    await step({ token: PAT, inputs: { 'github-token': PAT } })
    expect(comments().map((c) => c.user.login)).toEqual(['docs-bot-user'])
  })

  it('neutralises mentions and strips HTML and forged markers from the answer', async () => {
    answerFault(
      `Ping @octocat and @org/team.\n\n<img src=x onerror=alert(1)><script>x()</script>\n\n<!-- knowledge-sync:stackspot:${KB} conversation=EVIL -->Done.`
    )
    const { result } = await step()
    const body = comments()[0]!.body
    expect(body).toContain('@\u200Boctocat')
    expect(body).toContain('@\u200Borg/team')
    expect(body).not.toMatch(/(?<!\w)@(octocat|org)/)
    expect(body).not.toContain('<img')
    expect(body).not.toContain('<script')
    expect(body.match(/<!--/g)).toHaveLength(1)
    expect(body).not.toContain('EVIL')
    expect(result!.summaryMarkdown).not.toContain('<img')
  })

  it('a 100,000-character answer is cut on a paragraph boundary; the summary has it all', async () => {
    const para = (i: number) => `Paragraph ${i}: ${'lorem ipsum 🚀 '.repeat(60)}`.trimEnd()
    const paragraphs: string[] = []
    for (let i = 0; paragraphs.join('\n\n').length < 100_000; i++) paragraphs.push(para(i))
    const text = paragraphs.join('\n\n')
    answerFault(text)
    const { result, log } = await step()
    expect(result!.answer).toBe(text)
    const body = comments()[0]!.body
    expect(body.length).toBeLessThan(65_536)
    expect(body).toContain('the full answer is in the [job summary]')
    // Cut after a whole paragraph, right before the note.
    expect(body).toMatch(/🚀\n\n> \[!NOTE\]/)
    expect(result!.summaryMarkdown).toContain(paragraphs.at(-1)!)
    expect(log).toContain('answer shortened')
  })

  it('REST mode reports the documented token usage', async () => {
    const { result } = await step({ inputs: { 'agent-streaming': 'false' } })
    expect(allTurns()[0]!.streaming).toBe(false)
    expect(result!.answer).toContain('Reviewed 3 changed docs')
    expect(result!.conversationId).toMatch(/^[0-9A-Z]{26}$/)
    expect(comments()[0]!.body).toMatch(/tokens: user \d+ · enrichment \d+ · output \d+/)
  })

  it('pull_request_review puts the review body in the prompt', async () => {
    const payload = pullRequestReviewPayload({
      owner: OWNER,
      name: NAME,
      number: PR,
      headSha: head,
      baseSha: base,
      reviewBody: 'Please double-check the {{diff}} install steps'
    })
    await step({ event: 'pull_request_review', payload })
    expect(allTurns()[0]!.prompt).toContain('Please double-check the {{diff}} install steps')
    expect(comments()).toHaveLength(1)
  })

  it('a read-only token: no comment, the answer in the summary and a warning naming pull-requests: write', async () => {
    const { result, log } = await step({ token: READ_ONLY })
    expect(comments()).toEqual([])
    expect(result!.commentUrl).toBeUndefined()
    expect(result!.summaryMarkdown).toContain('Reviewed 3 changed docs')
    expect(result!.summaryMarkdown).toContain('pull-requests: write')
    expect(log).toMatch(/warning: .*HTTP 403.*pull-requests: write/)
    expect(log).not.toMatch(/use pull_request_target/)
  })

  it('secrets the agent echoes never reach the comment or the summary', async () => {
    answerFault(`Your secret is ${DEMO_CLIENT.clientSecret} and ${GITHUB_EMULATOR_TOKEN}.`)
    const { result } = await step()
    const body = comments()[0]!.body
    expect(body).not.toContain(DEMO_CLIENT.clientSecret)
    expect(body).not.toContain(GITHUB_EMULATOR_TOKEN)
    expect(body).toContain('Your secret is ***')
    expect(result!.summaryMarkdown).not.toContain(DEMO_CLIENT.clientSecret)
  })

  it('comment: false asks but does not comment', async () => {
    const { result } = await step({ inputs: { comment: 'false' } })
    expect(result!.answer).toContain('Reviewed')
    expect(comments()).toEqual([])
  })

  it('a closed pull request is not asked', async () => {
    const payload = pullRequestPayload({ owner: OWNER, name: NAME, number: PR, headSha: head, baseSha: base, action: 'closed' })
    const { result } = await step({ payload })
    expect(result).toBeUndefined()
    expect(allTurns()).toEqual([])
  })
})

describe('docs diff for the prompt', () => {
  it('diffs only the given docs with git, caps the size, and says why when commits are missing', async () => {
    const full = await docsDiff(repo.work, base, head, ['docs/a.md', 'docs/b.md'])
    expect(full.available).toBe(true)
    expect(full.text).toContain('+New text about INSTALL-STEPS.')
    expect(full.text).toContain('-# Beta')
    expect(full.text).not.toContain('Gamma')
    const capped = await docsDiff(repo.work, base, head, ['docs/a.md', 'docs/b.md', 'docs/c.md'], 120)
    expect(capped.text).toMatch(/… \(diff cut at 120 characters; \d+ more not shown\)$/)
    expect(capped.text.length).toBeLessThan(200)
    const missing = await docsDiff(repo.work, 'f'.repeat(40), head, ['docs/a.md'])
    expect(missing).toMatchObject({ available: false })
    expect(missing.text).toMatch(/not in the checkout/)
    // Never an option or a revision range: only hex shas reach git.
    expect((await docsDiff(repo.work, '--output=/tmp/x', head, ['docs/a.md'])).available).toBe(false)
  })
})

describe('agent step failures and other events', () => {
  it('an error event mid-stream fails the step and posts nothing', async () => {
    emu.faults.add({ kind: 'vendor', name: 'stackspot-agent-error', data: { afterEvents: 1, style: 'event' } })
    await expect(step()).rejects.toThrow(/agent reported an error: The model provider failed/)
    emu.faults.add({ kind: 'vendor', name: 'stackspot-agent-error', data: { afterEvents: 2, style: 'type' } })
    await expect(step()).rejects.toThrow(/The model provider failed/)
    expect(comments()).toEqual([])
  })

  it('a stalled stream ends at the idle timeout', async () => {
    emu.faults.add({ kind: 'vendor', name: 'stackspot-agent-stall', data: { afterEvents: 1 } })
    const started = Date.now()
    await expect(step({ timeouts: { idleMs: 300, overallMs: 10_000 } })).rejects.toThrow(/sent nothing for/)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(comments()).toEqual([])
  })

  it('retries 429 before the stream starts', async () => {
    emu.faults.add({ kind: 'status', route: 'POST /stackspot/agent/v1/agent/:agentId/chat', status: 429, retryAfter: 0, times: 2 })
    const { result } = await step()
    expect(result!.answer).toContain('Reviewed')
    expect(emu.requests.filter((r) => r.route.includes('/chat')).map((r) => r.status)).toEqual([429, 429, 200])
  })

  it('an unknown agent is a clear error', async () => {
    await expect(step({ inputs: { 'agent-id': 'NOSUCHAGENT' } })).rejects.toThrow(/HTTP 404.*agent-id/)
  })

  it('workflow_dispatch answers in the summary only', async () => {
    const { result } = await step({ event: 'workflow_dispatch', payload: workflowDispatchPayload({ owner: OWNER, name: NAME }) })
    expect(result!.answer).toContain('Reviewed 3 changed docs')
    expect(result!.commentUrl).toBeUndefined()
    expect(result!.summaryMarkdown).toContain('no pull request to comment on')
    expect(comments()).toEqual([])
    expect(allTurns()[0]!.prompt).toContain('diff unavailable')
  })
})
