/**
 * Everything a run shows the user, in one place: outputs, annotations, warnings, the job summary,
 * the totals line and the failure that turns the step red. src/report.ts renders the text.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import type { AgentStepResult } from './agent/index.js'
import type { RunContext } from './context.js'
import { errorMessage } from './errors.js'
import { forStdout, hasControlChars, printablePath } from './log.js'
import { countOutcomes, type Counts, type SyncReport } from './plan.js'
import { planJson, planOutputJson, STEP_SUMMARY_LIMIT_BYTES, syncSummaryMarkdown } from './report.js'
import { redact } from './secrets.js'

/** How the agent step ended: its answer (none when this event does not ask it), or why it failed. */
export interface AgentOutcome {
  readonly result?: AgentStepResult
  /** The error message, already redacted. */
  readonly failure?: string
}

/**
 * Publishes a run that got through the sync. The step fails when the sync reported run-level
 * errors, any doc failed, or the agent step failed; everything else is still published first.
 */
export async function publish(run: Pick<RunContext, 'eventName'>, report: SyncReport, agent?: AgentOutcome): Promise<void> {
  const planFile = await writePlanFile(report)
  const counts = setSyncOutputs(report, planFile)
  annotate(report)
  for (const warning of report.warnings) core.warning(forStdout(warning))
  const failures: string[] = [...report.errors]
  if (counts.failed > 0) failures.push(`${counts.failed} of ${report.items.length} docs failed (see the job summary).`)

  let agentSummary = ''
  if (agent?.result) {
    core.setOutput('answer', redact(agent.result.answer))
    core.setOutput('conversation-id', agent.result.conversationId ?? '')
    core.setOutput('comment-url', agent.result.commentUrl ?? '')
    agentSummary = `\n${agent.result.summaryMarkdown}`
  }
  if (agent?.failure !== undefined) {
    failures.push(`The agent step failed: ${agent.failure}`)
    agentSummary += `\n## StackSpot agent\n\n> ❌ ${redact(agent.failure)}\n`
  }
  // The agent's part is short; the sync's table gets what is left of the step's limit.
  const agentBytes = Buffer.byteLength(agentSummary, 'utf8')
  const maxBytes = Math.max(STEP_SUMMARY_LIMIT_BYTES / 2, STEP_SUMMARY_LIMIT_BYTES - agentBytes - 4096)
  await writeSummary(syncSummaryMarkdown(report, { maxBytes, planFile }) + agentSummary)
  logTotals(run.eventName, counts, report.dryRun)
  if (failures.length > 0) core.setFailed(forStdout(failures.join('\n')))
}

/** Publishes a run that stopped before the sync finished (bad input, unreachable store…). */
export async function publishFailure(error: unknown): Promise<void> {
  const message = errorMessage(error)
  core.setFailed(forStdout(message))
  // The summary is where users look first; a run that stopped early says why there too.
  await writeSummary(`## Knowledge Sync failed\n\n\`\`\`\n${message.replace(/`/g, "'")}\n\`\`\`\n`).catch(() => undefined)
}

function setSyncOutputs(report: SyncReport, planFile: string | undefined): Counts {
  const counts = countOutcomes(report.items)
  core.setOutput('uploaded', counts.uploaded)
  core.setOutput('deleted', counts.deleted)
  core.setOutput('unchanged', counts.unchanged)
  core.setOutput('failed', counts.failed)
  core.setOutput('skipped', counts.skipped)
  core.setOutput('planned', counts.planned)
  core.setOutput('dry-run', report.dryRun)
  core.setOutput('plan', planOutputJson(report, { planFile }))
  core.setOutput('plan-file', planFile ?? '')
  return counts
}

/**
 * The whole plan as a JSON file in RUNNER_TEMP (a later step can upload it as an artifact), since
 * the `plan` output is cut short to stay under GitHub's output limit. Undefined when it cannot be written.
 */
async function writePlanFile(report: SyncReport): Promise<string | undefined> {
  try {
    const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'knowledge-sync-'))
    const file = join(dir, 'plan.json')
    await writeFile(file, planJson(report))
    return file
  } catch (error) {
    core.warning(forStdout(`Could not write the plan file: ${errorMessage(error)}`))
    return undefined
  }
}

/**
 * Annotations on files that were skipped (warnings) or failed (errors), so they show on the run page.
 * A path with control characters is shown escaped and pins no file: no such file can be linked.
 */
function annotate(report: SyncReport): void {
  for (const i of report.items) {
    const where = hasControlChars(i.path) ? {} : { file: i.path }
    const path = printablePath(i.path)
    if (i.outcome === 'skipped') core.warning(forStdout(`Skipped ${path}: ${i.detail ?? i.reason}`), { ...where, title: 'Knowledge Sync: skipped' })
    if (i.outcome === 'failed') core.error(forStdout(`${path}: ${i.detail ?? i.reason}`), { ...where, title: 'Knowledge Sync: failed' })
  }
}

function logTotals(eventName: string, c: Counts, dryRun: boolean): void {
  const verb = dryRun ? 'Dry run planned' : 'Done'
  core.info(
    forStdout(
      `${verb} (${eventName}): ${dryRun ? `${c.planned} writes planned, ` : ''}${c.uploaded} uploaded, ${c.deleted} deleted, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.failed} failed.`
    )
  )
}

async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await core.summary.addRaw(redact(markdown), true).write()
}
