/**
 * StackSpot AI Agents API (stackspot-agents-api.txt, NOTES.md §2), mounted under /stackspot/agent
 * (the `agent-url`): `POST /v1/agent/{agentId}/chat` with the IDM's bearer tokens.
 *
 * - REST (`streaming` false): the documented body {message, stop_reason, tokens{user,enrichment,output},
 *   upload_ids, knowledge_source_id, source, cross_account_source, tools_id, conversation_id}.
 * - SSE (`streaming` true): `data: {json}` events whose `message` is a text delta; the last has
 *   `message:""`, `stop_reason`, `tokens{input,output}` and `message_id`; then the connection closes
 *   (no sentinel), as the public StackSpot SDK's tests show.
 * - The answer is deterministic and reflects the prompt: it names the doc paths listed in it
 *   (`- docs/a.md` lines) and the agent's knowledge sources, so tests can assert on it.
 * - `use_conversation` returns a ULID-like conversation id; sending it back continues that
 *   conversation. state() keeps every conversation with its prompts.
 *
 * Seed: `{agents: [{id, name?, knowledgeSourceIds?, sources?}]}`. The demo agent
 * (DEMO_ACCOUNTS.stackspotAgentId) always exists.
 *
 * Vendor faults (`ctx.faults.take(name, prompt)`):
 *   stackspot-agent-answer  data.text replaces the answer (huge answers, mentions, HTML; `{{access_token}}`,
 *                           `{{access_token_base64}}`, `{{access_token_url}}` echo the caller's token);
 *                           data.fields overrides the answer's metadata (stop_reason, tokens, source…)
 *   stackspot-agent-sse     data {chunkBytes, crlf, comments, multiline, done, noConversationId}: awkward framing
 *   stackspot-agent-error   data {afterEvents, style: 'event'|'type'}: an error event mid-stream
 *   stackspot-agent-stall   data {afterEvents, keepAliveMs}: stop sending (afterEvents 0: headers only) but keep
 *                           the connection open, sending only `: keep-alive` comments every keepAliveMs if set
 */
import type { EmuContext, Router, SeedableVendor } from '../../framework.ts'
import type { StackSpotIdm } from '../stackspot-idm/index.ts'
import { registerAgentRoutes } from './routes.ts'
import { AGENT_PROFILES } from './profiles.ts'
import { type AgentEmulatorSettings, AgentStore, type AgentSeed, type AgentSeeded, type AgentState } from './state.ts'

export type { AgentEmulatorSettings, AgentSeed, AgentSeeded, AgentState, SeedAgent } from './state.ts'

export interface StackspotAgentEmulator extends SeedableVendor<'stackspot-agent', AgentState, AgentSeed, AgentSeeded> {
  readonly settings: AgentEmulatorSettings
}

/** The Agents API, accepting the bearer tokens `idm` issues. */
export function createStackspotAgentEmulator(idm: StackSpotIdm): StackspotAgentEmulator {
  const store = new AgentStore()
  return {
    name: 'stackspot-agent',
    settings: store.settings,
    profiles: AGENT_PROFILES,
    register(router: Router, ctx: EmuContext) {
      store.ctx = ctx
      registerAgentRoutes(router, store, idm)
    },
    state: () => store.state(),
    reset: () => store.reset(),
    seed: (body) => store.seed(body)
  }
}
