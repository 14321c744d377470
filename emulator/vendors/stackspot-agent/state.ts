/** The agents the emulator answers as and the conversations held with them; state and seed formats. */
import { DEMO_ACCOUNTS } from '../../demo-accounts.ts'
import type { EmuContext } from '../../framework.ts'

export interface SeedAgent {
  id: string
  name?: string
  knowledgeSourceIds?: string[]
  sources?: unknown[]
}

export interface Turn {
  prompt: string
  streaming: boolean
  answer: string
  request: Record<string, unknown>
}

export interface Conversation {
  id: string
  agentId: string
  clientId: string
  turns: Turn[]
}

/** `POST /_emulator/seed/stackspot-agent`. */
export interface AgentSeed {
  agents?: SeedAgent[]
}

/** What seeding answers: every agent id now known. */
export interface AgentSeeded {
  agents: string[]
}

/** `GET /_emulator/state/stackspot-agent`. */
export interface AgentState {
  agents: Array<{ id: string; name: string | undefined; knowledgeSourceIds: string[] }>
  conversations: Array<{ id: string; agentId: string; turns: Turn[] }>
  /** Chat requests answered since the last reset. */
  chats: number
}

const DEMO_AGENT: SeedAgent = {
  id: DEMO_ACCOUNTS.stackspotAgentId,
  name: 'Docs reviewer',
  knowledgeSourceIds: ['01DEMOKS0000000000000000AA'],
  sources: [{ type: 'knowledge_source', name: 'team-docs', slug: 'team-docs' }]
}

/**
 * The live behaviour switches where the Agents API docs are silent (profiles.ts). The defaults play
 * the reading the client was built on: the STKAI stream shape, conversations kept.
 */
export interface AgentEmulatorSettings {
  /** The SSE event shape: `stkai` (delta text in `message`) or `openai` (`choices[0].delta.content`, then `data: [DONE]`). */
  streamShape: 'stkai' | 'openai'
  /** `rest`: one JSON body even when `streaming` is asked for. */
  answer: 'as-asked' | 'rest'
  /** `rejected`: any `conversation_id` sent is refused with 404 (conversations expired). */
  conversations: 'kept' | 'rejected'
}

const DEFAULT_SETTINGS: AgentEmulatorSettings = { streamShape: 'stkai', answer: 'as-asked', conversations: 'kept' }

export class AgentStore {
  /** Set when the server registers the vendor. */
  ctx!: EmuContext
  /** Changed in place, never replaced: the emulator object hands out this very object. */
  readonly settings: AgentEmulatorSettings = { ...DEFAULT_SETTINGS }
  agents = new Map<string, SeedAgent>()
  conversations = new Map<string, Conversation>()
  chats = 0

  constructor() {
    this.reset()
  }

  reset(): void {
    this.agents = new Map([[DEMO_AGENT.id, structuredClone(DEMO_AGENT)]])
    this.conversations = new Map()
    this.chats = 0
    Object.assign(this.settings, DEFAULT_SETTINGS)
  }

  state(): AgentState {
    return {
      agents: [...this.agents.values()].map((a) => ({ id: a.id, name: a.name, knowledgeSourceIds: a.knowledgeSourceIds ?? [] })),
      conversations: [...this.conversations.values()].map((c) => ({ id: c.id, agentId: c.agentId, turns: c.turns.map((t) => ({ ...t })) })),
      chats: this.chats
    }
  }

  seed(body: AgentSeed): AgentSeeded {
    for (const a of body?.agents ?? []) this.agents.set(a.id, structuredClone(a))
    return { agents: [...this.agents.keys()] }
  }
}
