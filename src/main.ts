import * as core from '@actions/core'
import * as github from '@actions/github'
import { runAgentStep } from './agent/index.js'
import { toRunContext, type RunContext } from './context.js'
import { doctorRunId } from './doctor/canary.js'
import { publishDoctor } from './doctor/publish.js'
import { runDoctor } from './doctor/run.js'
import { errorMessage } from './errors.js'
import { githubClient, type GithubClient } from './github-client.js'
import { actionsInputReader, readSettings } from './inputs.js'
import { actionsLog } from './log.js'
import { publish, publishFailure, type AgentOutcome } from './publish.js'
import { coreGroup, runSync, type RunSyncResult } from './run-sync.js'
import type { Settings } from './settings.js'
import { TokenCache } from './tokens.js'
import { agentTokens } from './vendors/stackspot/index.js'

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
    if (settings.mode === 'doctor') {
      // A first run against a real account: check the vendor with a canary instead of syncing.
      const report = await runDoctor(settings, context, { log: actionsLog, group: coreGroup, tokenCache: new TokenCache(), runId: doctorRunId() })
      await publishDoctor(report)
      return
    }
    const octokit = settings.githubToken ? githubClient({ token: settings.githubToken, apiUrl: context.apiUrl, log: actionsLog }) : undefined
    const tokenCache = new TokenCache()
    const sync = await runSync(settings, context, { log: actionsLog, octokit, group: coreGroup, tokenCache })
    const agent = settings.agentId ? await askAgent(settings, context, sync, octokit, tokenCache) : undefined
    await publish(context, sync.report, agent)
  } catch (error) {
    await publishFailure(error)
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

/** A failed agent step is reported alongside the sync's results, never instead of them. */
async function askAgent(
  settings: Settings,
  context: RunContext,
  sync: RunSyncResult,
  octokit: GithubClient | undefined,
  tokenCache: TokenCache
): Promise<AgentOutcome> {
  try {
    const result = await core.group('Asking the StackSpot agent', () =>
      runAgentStep({
        settings,
        run: context,
        report: sync.report,
        changedDocPaths: sync.changedDocPaths,
        log: actionsLog,
        tokens: agentTokens(settings, { tokenCache, log: actionsLog }),
        octokit
      })
    )
    return { result }
  } catch (error) {
    return { failure: errorMessage(error) }
  }
}
