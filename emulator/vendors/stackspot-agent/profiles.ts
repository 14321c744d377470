/**
 * The other plausible Agents API behaviours where stackspot-agents-api.txt is silent (NOTES.md §2
 * [gap]: the stream shape, a conversation the server no longer knows), as emulator profiles. The
 * default plays the STKAI shape. docs/agent.md lists which are confirmed.
 */
import type { EmulatorProfile } from '../../framework.ts'
import type { AgentEmulatorSettings } from './state.ts'

interface AgentProfile extends EmulatorProfile {
  readonly settings: Partial<AgentEmulatorSettings>
}

export const AGENT_PROFILES: readonly AgentProfile[] = [
  {
    name: 'stackspot-agent-openai-stream',
    assumption: 'the stream carries the text delta in `message` (the STKAI shape)',
    behaviour: 'the stream is OpenAI/LiteLLM-shaped: text in `choices[0].delta.content`, `finish_reason`, then `data: [DONE]`; no conversation id',
    settings: { streamShape: 'openai' }
  },
  {
    name: 'stackspot-agent-rest-answer',
    assumption: 'asking with `streaming: true` is answered with an event stream',
    behaviour: 'the agent answers one JSON body (the documented REST shape) even when streaming is asked for',
    settings: { answer: 'rest' }
  },
  {
    name: 'stackspot-agent-conversation-rejected',
    assumption: 'a `conversation_id` from an earlier answer continues that conversation',
    behaviour: 'any `conversation_id` sent is refused with 404 `conversation_not_found` (conversations expired)',
    settings: { conversations: 'rejected' }
  }
]
