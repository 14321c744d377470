/**
 * The StackSpot agent emulator speaks the documented API: bearer tokens from the shared IDM, the
 * REST body shape, the SSE event shape NOTES §2 describes, conversations kept in state().
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_ACCOUNTS } from '../../emulator/demo-accounts.ts'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { createStackspotAgentEmulator, type StackspotAgentEmulator } from '../../emulator/vendors/stackspot-agent/index.ts'
import { DEMO_CLIENT, StackSpotIdm } from '../../emulator/vendors/stackspot-idm/index.ts'

let emu: RunningEmulator<StackSpotIdm | StackspotAgentEmulator>
beforeAll(async () => {
  const idm = new StackSpotIdm()
  emu = await startEmulator({ vendors: [idm, createStackspotAgentEmulator(idm)] })
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

async function token(): Promise<string> {
  const res = await fetch(`${emu.url}/stackspot/idm/${DEMO_CLIENT.realm}/oidc/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret })
  })
  return ((await res.json()) as { access_token: string }).access_token
}

const chat = (body: unknown, auth?: string, agent: string = DEMO_ACCOUNTS.stackspotAgentId) =>
  fetch(`${emu.url}/stackspot/agent/v1/agent/${agent}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: JSON.stringify(body)
  })

const state = () => emu.vendor('stackspot-agent').state()

describe('StackSpot agent emulator', () => {
  it('401 without a token the IDM issued, 404 for an unknown agent, 400 without user_prompt', async () => {
    expect((await chat({ user_prompt: 'x' })).status).toBe(401)
    expect((await chat({ user_prompt: 'x' }, 'eyJ.forged')).status).toBe(401)
    const t = await token()
    expect((await chat({ user_prompt: 'x' }, t, '01UNKNOWN')).status).toBe(404)
    expect((await chat({ 'user-prompt': 'x' }, t)).status).toBe(400)
  })

  it('REST: the documented body, deterministic answer naming the docs, conversation continued', async () => {
    const t = await token()
    const res = await chat(
      {
        user_prompt: 'Changed docs:\n- docs/a.md\n- docs/b.md',
        streaming: false,
        stackspot_knowledge: 'true',
        return_ks_in_response: true,
        use_conversation: true
      },
      t
    )
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, any>
    expect(Object.keys(body).sort()).toEqual([
      'conversation_id',
      'cross_account_source',
      'knowledge_source_id',
      'message',
      'source',
      'stop_reason',
      'tokens',
      'tools_id',
      'upload_ids'
    ])
    expect(body.message).toContain('Reviewed 2 changed docs: docs/a.md, docs/b.md.')
    expect(body.tokens).toEqual({ user: expect.any(Number), enrichment: expect.any(Number), output: expect.any(Number) })
    expect(body.knowledge_source_id).toEqual(['01DEMOKS0000000000000000AA'])
    expect(body.conversation_id).toMatch(/^[0-9A-Z]{26}$/)
    const again = (await (
      await chat({ user_prompt: 'more', streaming: false, use_conversation: true, conversation_id: body.conversation_id }, t)
    ).json()) as Record<string, any>
    expect(again.conversation_id).toBe(body.conversation_id)
    expect(again.message).toContain('turn 2')
    expect(state().conversations).toHaveLength(1)
    expect(state().conversations[0]!.turns.map((x) => x.prompt)).toEqual(['Changed docs:\n- docs/a.md\n- docs/b.md', 'more'])
  })

  it('SSE: data events with message deltas, a last event with stop_reason and input/output tokens, then close', async () => {
    const t = await token()
    const res = await chat({ user_prompt: '- docs/a.md', streaming: true, return_ks_in_response: true, use_conversation: true }, t)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const text = await res.text()
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((e) => JSON.parse(e.replace(/^data: /, '')) as Record<string, any>)
    expect(events.length).toBeGreaterThan(2)
    const last = events.at(-1)!
    expect(last).toMatchObject({ message: '', stop_reason: 'stop', tokens: { input: expect.any(Number), output: expect.any(Number) } })
    expect(typeof last.message_id).toBe('string')
    expect(events.map((e) => e.message).join('')).toContain('Reviewed 1 changed doc: docs/a.md.')
    expect(text).not.toContain('[DONE]')
  })

  it('vendor faults: answer override, [DONE] and CRLF framing, error event', async () => {
    const t = await token()
    emu.faults.add({ kind: 'vendor', name: 'stackspot-agent-answer', data: { text: 'Hello @team' } })
    emu.faults.add({ kind: 'vendor', name: 'stackspot-agent-sse', data: { crlf: true, done: true, comments: true } })
    const text = await (await chat({ user_prompt: 'x', streaming: true }, t)).text()
    expect(text).toContain('\r\n\r\n')
    expect(text).toContain(': keep-alive')
    expect(text).toMatch(/data: \[DONE\]\r\n\r\n$/)
    expect(text).toContain('"message":"Hello @team"')
    emu.faults.add({ kind: 'vendor', name: 'stackspot-agent-error', data: { afterEvents: 0 } })
    expect(await (await chat({ user_prompt: 'x', streaming: true }, t)).text()).toMatch(/^event: error\ndata: /)
  })
})
