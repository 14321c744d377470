// PLACEHOLDER (lead): replaced by the agent engineer.
import type { getOctokit } from '@actions/github'
import type { RunContext } from '../context.js'
import type { TokenSource } from '../http.js'
import type { Log } from '../log.js'
import type { SyncReport } from '../plan.js'
import type { Settings } from '../schema.js'

export interface AgentStepInput {
  settings: Settings
  run: RunContext
  report: SyncReport
  changedDocPaths: string[]
  log: Log
  tokens?: TokenSource
  octokit?: ReturnType<typeof getOctokit>
}
export interface AgentStepResult {
  answer: string
  conversationId?: string
  commentUrl?: string
  summaryMarkdown: string
}
export async function runAgentStep(input: AgentStepInput): Promise<AgentStepResult | undefined> {
  if (!input.settings.agentId) return undefined
  throw new Error('agent not implemented yet')
}
