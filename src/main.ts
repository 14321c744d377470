import * as core from '@actions/core'
import * as github from '@actions/github'
import { runAgentStep } from './agent/index.js'
import { toRunContext, type RunContext } from './context.js'
import { errorMessage } from './errors.js'
import { actionsInputReader, readSettings } from './inputs.js'
import { actionsLog } from './log.js'
import { countOutcomes } from './plan.js'
import { coreGroup, runSync } from './run-sync.js'
import { annotate, setSyncOutputs, syncSummaryMarkdown, writeSummary } from './report.js'
import { redact } from './secrets.js'
import { stackSpotTokensFor } from './vendors/stackspot/auth.js'

/** The action's entry: the only place that turns a failure into `core.setFailed`. */
export async function run(): Promise<void> {
  try {
    const context = toRunContext(github.context, process.env.GITHUB_WORKSPACE ?? process.cwd())
    if (isForkWithoutSecrets(context)) {
      core.notice(
        'Knowledge Sync skipped: this pull request comes from a fork, and GitHub does not pass secrets to workflows run for forks. ' +
          'Nothing was synced or commented. The sync runs when the change is merged (on push).'
      )
      return
    }
    const settings = readSettings(actionsInputReader, context.eventName)
    const octokit = settings.githubToken ? github.getOctokit(settings.githubToken) : undefined

    const sync = await runSync(settings, context, { log: actionsLog, octokit, group: coreGroup })
    const counts = setSyncOutputs(sync.report)
    annotate(sync.report)
    for (const warning of sync.report.warnings) core.warning(redact(warning))
    let summary = syncSummaryMarkdown(sync.report)
    const failures: string[] = [...sync.report.errors]
    if (counts.failed > 0) failures.push(`${counts.failed} of ${sync.report.items.length} docs failed (see the job summary).`)

    if (settings.agentId) {
      try {
        const agent = await core.group('Asking the StackSpot agent', () =>
          runAgentStep({
            settings,
            run: context,
            report: sync.report,
            changedDocPaths: sync.changedDocPaths,
            log: actionsLog,
            tokens: stackSpotTokensFor({ clientId: settings.clientId, clientSecret: settings.clientSecret, authUrl: settings.authUrl }, actionsLog),
            octokit
          })
        )
        if (agent) {
          core.setOutput('answer', redact(agent.answer))
          core.setOutput('conversation-id', agent.conversationId ?? '')
          core.setOutput('comment-url', agent.commentUrl ?? '')
          summary += `\n${agent.summaryMarkdown}`
        }
      } catch (error) {
        failures.push(`The agent step failed: ${errorMessage(error)}`)
        summary += `\n## StackSpot agent\n\n> ❌ ${redact(errorMessage(error))}\n`
      }
    }
    await writeSummary(summary)
    logTotals(context, counts, sync.report.dryRun)
    if (failures.length > 0) core.setFailed(failures.join('\n'))
  } catch (error) {
    const message = errorMessage(error)
    core.setFailed(message)
    // The summary is where users look first; a run that stopped early says why there too.
    await writeSummary(`## Knowledge Sync failed\n\n\`\`\`\n${message.replace(/`/g, "'")}\n\`\`\`\n`).catch(() => undefined)
  }
}

/**
 * GitHub withholds secrets from `pull_request` runs whose head is a fork; failing those runs would
 * only teach users to ignore red checks, so we skip with one notice instead. Anywhere else a
 * missing credential is the user's mistake and fails in input validation.
 */
function isForkWithoutSecrets(context: RunContext): boolean {
  if (!context.pullRequest?.fromFork) return false
  const credentials = ['client-secret', 'api-key'].map((name) => core.getInput(name))
  return credentials.every((value) => value === '')
}

function logTotals(context: RunContext, c: ReturnType<typeof countOutcomes>, dryRun: boolean): void {
  const verb = dryRun ? 'Dry run planned' : 'Done'
  core.info(
    `${verb} (${context.eventName}): ${dryRun ? `${c.planned} writes planned, ` : ''}${c.uploaded} uploaded, ${c.deleted} deleted, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.failed} failed.`
  )
}
