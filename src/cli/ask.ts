/**
 * `ask`: what the action's agent step does on a pull request, for the diff `--since`..HEAD: plan
 * the change (a dry run, so the prompt's {{plan}} says what syncing would do), put the docs' diff
 * in the prompt, ask the StackSpot agent and print its answer. Nothing is commented anywhere.
 */
import { askAgent } from '../agent/client.js'
import { docsDiff } from '../agent/diff.js'
import { planMarkdown, redactAnswer } from '../agent/render.js'
import { promptPathList, renderPrompt } from '../agent/template.js'
import type { ChangeSet } from '../changes/types.js'
import type { RunContext } from '../context.js'
import type { Log } from '../log.js'
import type { Settings } from '../settings.js'
import { TokenCache } from '../tokens.js'
import { agentTokens } from '../vendors/stackspot/index.js'
import { type CliIo, printJson, printLine } from './output.js'
import { syncCommand, syncJson } from './sync.js'

export interface AskInput {
  settings: Settings
  run: RunContext
  log: Log
  io: CliIo
  json: boolean
  base: string
  detect: () => Promise<ChangeSet>
}

export async function askCommand(o: AskInput): Promise<number> {
  const { settings, run, log } = o
  const tokenCache = new TokenCache()
  const sync = await syncCommand({ command: 'plan', settings, run, log, io: o.io, json: o.json, detect: o.detect, tokenCache })
  const paths = [...new Set([...sync.changedDocPaths, ...sync.report.items.flatMap((i) => (i.previousPath ? [i.path, i.previousPath] : [i.path]))])].sort()
  const diff = await docsDiff(run.workspace, o.base, run.sha, paths)
  if (!diff.available) log.info(`The prompt has no diff: ${diff.text}`)
  const prompt = renderPrompt(settings.prompt, {
    repository: run.repository,
    changed_docs: promptPathList(sync.changedDocPaths, 500),
    diff: diff.text,
    plan: planMarkdown(sync.report),
    pr_title: '(none: asked from the command line)',
    pr_body: '',
    review_body: ''
  })
  log.info(`Asking the StackSpot agent ${settings.agentId} about ${sync.changedDocPaths.length} changed docs.`)
  const answer = await askAgent({
    agentUrl: settings.agentUrl,
    agentId: settings.agentId,
    prompt,
    streaming: settings.agentStreaming,
    tokens: agentTokens(settings, { tokenCache, log }),
    log
  })
  const text = redactAnswer(answer.message)
  if (o.json)
    printJson(o.io.stdout, { command: 'ask', ok: true, answer: text, conversation_id: answer.conversationId ?? null, plan: syncJson('plan', sync.report) })
  else printLine(o.io.stdout, text)
  return 0
}
