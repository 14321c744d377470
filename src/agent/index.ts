/**
 * The agent step: ask the StackSpot agent about the change and, on pull requests, keep one sticky
 * comment with its answer. Called by main after the sync (on PRs, the dry-run plan).
 */
import type { getOctokit } from '@actions/github'
import { ActionError, errorMessage } from '../errors.js'
import type { RunContext } from '../context.js'
import type { TokenSource } from '../http.js'
import type { Log } from '../log.js'
import type { SyncReport } from '../plan.js'
import { redact } from '../secrets.js'
import type { Settings } from '../settings.js'
import { askAgent, type AgentTimeouts } from './client.js'
import { findStickyComment, statusOf, tokenIdentity, upsertStickyComment, type CommentTarget, type StickyComment } from './comment.js'
import { docsDiff } from './diff.js'
import { commentKey, isConversationId } from './marker.js'
import { planMarkdown, plainField, redactAnswer, renderComment, renderSummary, type RenderContext } from './render.js'
import { truncateOnParagraph } from './sanitize.js'
import { promptPathList, renderPrompt } from './template.js'
import { describeTrusted, eventAuthor, isTrusted } from './trust.js'

export interface AgentStepInput {
  settings: Settings
  run: RunContext
  report: SyncReport
  changedDocPaths: string[]
  log: Log
  tokens?: TokenSource
  octokit?: ReturnType<typeof getOctokit>
  /** Stream idle timeout and overall deadline; tests shorten them. */
  timeouts?: AgentTimeouts
}
export interface AgentStepResult {
  answer: string
  conversationId?: string
  commentUrl?: string
  summaryMarkdown: string
}

/** PR events (and their actions) that get a comment. `edited` re-asks after a title/body change. */
const COMMENT_EVENTS: Record<string, ReadonlySet<string> | undefined> = {
  pull_request: new Set(['opened', 'synchronize', 'reopened', 'edited', 'ready_for_review']),
  pull_request_target: new Set(['opened', 'synchronize', 'reopened', 'edited', 'ready_for_review']),
  pull_request_review: new Set(['submitted'])
}

export async function runAgentStep(input: AgentStepInput): Promise<AgentStepResult | undefined> {
  const { settings, run, log, octokit } = input
  if (!settings.agentId) return undefined
  if (!input.tokens) throw new ActionError('The agent needs the StackSpot credential (`client-id`, `client-secret`, `realm`).')

  const actions = COMMENT_EVENTS[run.eventName]
  const action = typeof run.payload.action === 'string' ? run.payload.action : undefined
  if (actions && action !== undefined && !actions.has(action)) {
    log.info(`The agent is not asked on ${run.eventName}.${action}; it answers on ${[...actions].join(', ')}.`)
    return undefined
  }
  // A review by someone the repository does not trust must not steer an agent that holds its secrets.
  const author = eventAuthor(run)
  if (author && !isTrusted(author, settings.agentTrustedAssociations)) {
    log.notice(
      `The agent was not asked: the ${author.what} by ${plainField(author.login, 60)}${author.type === 'Bot' ? ' (a bot)' : ''} has author_association ${plainField(author.association, 30)}, ` +
        `and \`agent-trusted-associations\` trusts ${describeTrusted(settings.agentTrustedAssociations)}. Nothing was commented.`
    )
    return undefined
  }
  const pr = actions ? run.pullRequest : undefined
  const key = commentKey(settings.commentKey, run, settings.knowledgeBase)
  const target: CommentTarget | undefined = pr
    ? { owner: run.owner, repo: run.repo, issueNumber: pr.number, knowledgeBase: settings.knowledgeBase, key }
    : undefined
  let commentPlan: 'post' | 'disabled' | 'no-token' | 'not-a-pr' = 'not-a-pr'
  if (target) commentPlan = !settings.comment ? 'disabled' : octokit ? 'post' : 'no-token'

  // The conversation continues from the id in our earlier comment on this PR.
  let existing: StickyComment | undefined
  let commentProblem: string | undefined
  if (commentPlan === 'post') {
    try {
      const me = await tokenIdentity(octokit!, log)
      existing = await findStickyComment(octokit!, target!, me)
      if (existing?.conversationId) log.info(`Continuing agent conversation ${existing.conversationId} from the PR comment.`)
    } catch (error) {
      commentProblem = commentFailure('read the comments of', target!, error)
    }
  }

  // A fork's author wrote its title, body and diff; with secrets in the run (pull_request_target)
  // those would steer the agent. Its file names still reach the prompt, quoted one per line.
  const fork = run.pullRequest?.fromFork === true
  if (fork) log.info('The pull request comes from a fork: its title, body and diff are left out of the prompt.')
  const diffPaths = [
    ...new Set([
      ...input.changedDocPaths,
      ...input.report.items.filter((i) => i.action !== 'unchanged').flatMap((i) => (i.previousPath ? [i.path, i.previousPath] : [i.path]))
    ])
  ].sort()
  const diff = fork
    ? { text: FORK_NOTE, available: false }
    : pr
      ? await docsDiff(run.workspace, pr.baseSha, pr.headSha, diffPaths)
      : { text: '(diff unavailable: not a pull request)', available: false }
  if (pr && !fork && !diff.available) log.info(`The prompt has no diff: ${diff.text}`)
  const prompt = renderPrompt(settings.prompt, {
    repository: run.repository,
    changed_docs: promptPathList(input.changedDocPaths, MAX_LISTED_DOCS),
    diff: diff.text,
    plan: planMarkdown(input.report),
    pr_title: fork ? FORK_NOTE : capText(pr?.title ?? '', 1_000),
    pr_body: fork ? FORK_NOTE : capText(pr?.body ?? '', MAX_PR_TEXT),
    review_body: capText(run.reviewBody ?? '', MAX_PR_TEXT)
  })

  const answer = await askAgent({
    agentUrl: settings.agentUrl,
    agentId: settings.agentId,
    prompt,
    conversationId: existing?.conversationId,
    streaming: settings.agentStreaming,
    tokens: input.tokens,
    log,
    timeouts: input.timeouts
  })
  log.info(
    `The agent answered (${answer.message.length} characters${answer.stopReason ? `, stop reason ${JSON.stringify(plainField(answer.stopReason, 60))}` : ''}).`
  )
  // An id we could not send back (or that is not an id at all) is neither kept nor published.
  if (answer.conversationId !== undefined && (!isConversationId(answer.conversationId) || redact(answer.conversationId) !== answer.conversationId))
    answer.conversationId = undefined
  // A stream that never repeats the id still continued the conversation we named (unless it was refused).
  if (!answer.newConversation) answer.conversationId ??= existing?.conversationId

  const runId = process.env.GITHUB_RUN_ID
  const render: RenderContext = {
    knowledgeBase: settings.knowledgeBase,
    agentId: settings.agentId,
    report: input.report,
    commentKey: key,
    host: githubHost(run.serverUrl),
    runUrl: runId ? `${run.serverUrl}/${run.repository}/actions/runs/${runId}` : undefined
  }

  let commentUrl: string | undefined
  if (commentPlan === 'post' && !commentProblem) {
    const { body, truncated } = renderComment(answer, render)
    try {
      commentUrl = await upsertStickyComment(octokit!, target!, existing, body)
      log.info(`${existing ? 'Updated' : 'Posted'} the agent's comment: ${commentUrl}${truncated ? ' (answer shortened; full text in the job summary)' : ''}`)
    } catch (error) {
      commentProblem = commentFailure(existing ? 'update the comment on' : 'comment on', target!, error)
    }
  }
  if (commentProblem) log.warning(commentProblem)
  if (commentPlan === 'no-token') log.warning('The agent answer was not posted on the pull request because `github-token` is empty; it is in the job summary.')

  const status = commentUrl
    ? `Posted on the pull request: ${commentUrl}`
    : commentProblem
      ? `> [!WARNING]\n> ${commentProblem.replace(/\n/g, '\n> ')}`
      : commentPlan === 'disabled'
        ? '_Not commented (`comment: false`)._'
        : commentPlan === 'not-a-pr'
          ? `_Answer for ${run.eventName}: no pull request to comment on._`
          : '_Not commented: `github-token` is empty._'
  return {
    answer: redactAnswer(answer.message),
    conversationId: answer.conversationId,
    commentUrl,
    summaryMarkdown: renderSummary(answer, render, status)
  }
}

/** Bounds on what PR authors and reviewers can put in the prompt, so the diff and the question still fit. */
const MAX_PR_TEXT = 10_000
const MAX_LISTED_DOCS = 500

/** What the prompt says instead of a fork's own words. */
const FORK_NOTE = '(left out: this pull request comes from a fork, so its title, description and diff are not shown to you)'

/** The host of GITHUB_SERVER_URL (github.com, or a GitHub Enterprise Server's). */
function githubHost(serverUrl: string): string {
  try {
    return new URL(serverUrl).host || 'github.com'
  } catch {
    return 'github.com'
  }
}

function capText(text: string, max: number): string {
  const cut = truncateOnParagraph(text, max)
  return cut.truncated ? `${cut.text}\n… (cut at ${max} characters)` : text
}

function commentFailure(what: string, target: CommentTarget, error: unknown): string {
  const status = statusOf(error)
  const base = `Could not ${what} pull request #${target.issueNumber} (${status ? `HTTP ${status}: ` : ''}${errorMessage(error).split('\n')[0]}).`
  if (status === 403 || status === 401) {
    return (
      `${base} The agent's answer is in the job summary. To let the action comment, give the job ` +
      '`permissions: pull-requests: write` (and `contents: read`), or pass a `github-token` that may write pull request comments. ' +
      "On pull requests from forks GitHub makes GITHUB_TOKEN read-only; keep the `pull_request` trigger and do not switch to `pull_request_target` with a checkout of the fork's code."
    )
  }
  return `${base} The agent's answer is in the job summary.`
}
