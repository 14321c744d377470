/**
 * Everything a run shows the user, in one place: outputs, annotations, warnings, the job summary,
 * the totals line and the failure that turns the step red. src/report.ts renders the text.
 */
import * as core from '@actions/core'
import type { AgentStepResult } from './agent/index.js'
import type { RunContext } from './context.js'
import { errorMessage } from './errors.js'
import { forStdout, hasControlChars, printablePath } from './log.js'
import { countOutcomes, type Counts, type SyncReport } from './plan.js'
import { planJson, syncSummaryMarkdown } from './report.js'
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
  const counts = setSyncOutputs(report)
  annotate(report)
  for (const warning of report.warnings) core.warning(forStdout(warning))
  let summary = syncSummaryMarkdown(report)
  const failures: string[] = [...report.errors]
  if (counts.failed > 0) failures.push(`${counts.failed} of ${report.items.length} docs failed (see the job summary).`)

  if (agent?.result) {
    core.setOutput('answer', redact(agent.result.answer))
    core.setOutput('conversation-id', agent.result.conversationId ?? '')
    core.setOutput('comment-url', agent.result.commentUrl ?? '')
    summary += `\n${agent.result.summaryMarkdown}`
  }
  if (agent?.failure !== undefined) {
    failures.push(`The agent step failed: ${agent.failure}`)
    summary += `\n## StackSpot agent\n\n> ❌ ${redact(agent.failure)}\n`
  }
  await writeSummary(summary)
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

function setSyncOutputs(report: SyncReport): Counts {
  const counts = countOutcomes(report.items)
  core.setOutput('uploaded', counts.uploaded)
  core.setOutput('deleted', counts.deleted)
  core.setOutput('unchanged', counts.unchanged)
  core.setOutput('failed', counts.failed)
  core.setOutput('skipped', counts.skipped)
  core.setOutput('dry-run', report.dryRun)
  core.setOutput('plan', redact(planJson(report)))
  return counts
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
