/**
 * The PR comment and the job-summary section for an agent answer. Everything the agent or the
 * repository supplies is sanitised here; the comment stays under GitHub's size limit.
 */
import type { ItemResult, SyncReport } from '../plan.js'
import { redact } from '../secrets.js'
import type { AgentAnswer } from './answer.js'
import { formatMarker } from './marker.js'
import { GITHUB_COMMENT_MAX, neutraliseMentions, sanitiseAgentText, truncateOnParagraph } from './sanitize.js'

const PLAN_LIST_MAX = 50
/** Room left for GitHub counting differently from us and for our own additions. */
const COMMENT_MARGIN = 200

/** A file name or id as inline code, safe whatever characters it holds. */
export function code(text: string): string {
  const clean = neutraliseMentions(redact(text).replace(/[\r\n]+/g, ' '))
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((r) => r.length))
  const fence = '`'.repeat(longest + 1)
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${clean}${pad}${fence}`
}

export function planItems(report: SyncReport): { upload: ItemResult[]; replace: ItemResult[]; delete: ItemResult[] } {
  return {
    upload: report.items.filter((i) => i.action === 'upload'),
    replace: report.items.filter((i) => i.action === 'replace'),
    delete: report.items.filter((i) => i.action === 'delete')
  }
}

/** The plan as Markdown lists (also the `{{plan}}` placeholder's value). */
export function planMarkdown(report: SyncReport): string {
  const plan = planItems(report)
  const lines: string[] = []
  const section = (title: string, items: ItemResult[]) => {
    if (items.length === 0) return
    lines.push(`**${title}** (${items.length}):`)
    for (const i of items.slice(0, PLAN_LIST_MAX)) {
      const from = i.previousPath && i.previousPath !== i.path ? ` (was ${code(i.previousPath)})` : ''
      lines.push(`- ${code(i.path)}${from}`)
    }
    if (items.length > PLAN_LIST_MAX) lines.push(`- … and ${items.length - PLAN_LIST_MAX} more`)
  }
  section('Upload', plan.upload)
  section('Replace', plan.replace)
  section('Delete', plan.delete)
  if (lines.length === 0) return 'Nothing to upload, replace or delete.'
  return lines.join('\n')
}

function sourceLabel(source: unknown): string {
  if (typeof source === 'string') return source
  if (typeof source === 'object' && source !== null) {
    const s = source as Record<string, unknown>
    for (const key of ['name', 'title', 'file_path', 'document', 'url', 'slug', 'id']) {
      if (typeof s[key] === 'string' && s[key]) return s[key] as string
    }
  }
  const json = JSON.stringify(source) ?? String(source)
  return json.length > 200 ? `${json.slice(0, 200)}…` : json
}

export function sourcesMarkdown(answer: AgentAnswer): string {
  const lines: string[] = []
  for (const id of answer.knowledgeSourceIds.slice(0, 50)) lines.push(`- knowledge source ${code(id)}`)
  for (const s of answer.sources.slice(0, 50)) lines.push(`- ${code(sourceLabel(s))}`)
  return lines.length ? lines.join('\n') : '_The agent cited no knowledge source._'
}

export function tokensText(answer: AgentAnswer): string {
  if (!answer.tokens) return 'not reported'
  return Object.entries(answer.tokens)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ')
}

export interface RenderContext {
  knowledgeBase: string
  agentId: string
  report: SyncReport
  /** Link to the run, where the job summary holds the full answer. */
  runUrl?: string
}

/** The comment body: marker first, then the answer (cut to fit), plan, sources and token usage. */
export function renderComment(answer: AgentAnswer, ctx: RenderContext): { body: string; truncated: boolean } {
  const marker = formatMarker(ctx.knowledgeBase, answer.conversationId)
  const head = `${marker}\n### StackSpot agent review\n\n`
  const tail = [
    '',
    '---',
    `<details><summary>What merging would change in ${code(ctx.knowledgeBase)}</summary>`,
    '',
    planMarkdown(ctx.report),
    '',
    '</details>',
    '',
    '**Sources cited**',
    '',
    sourcesMarkdown(answer),
    '',
    `<sub>Agent ${code(ctx.agentId)} · tokens: ${tokensText(answer)}${answer.conversationId ? ` · conversation ${code(answer.conversationId)}` : ''} · updated by Knowledge Sync on each run</sub>`
  ].join('\n')
  const note = `\n\n> [!NOTE]\n> The answer was shortened to fit in a comment; the full answer is in the [job summary](${ctx.runUrl ?? '#'}).`
  // Redact before sanitising: a zero-width space inside an echoed secret would hide it from redact().
  const text = sanitiseAgentText(redact(answer.message)).trim() || '_The agent returned an empty answer._'
  const budget = GITHUB_COMMENT_MAX - COMMENT_MARGIN - head.length - tail.length - note.length
  const cut = truncateOnParagraph(text, Math.max(1000, budget))
  const body = redact(head + cut.text + (cut.truncated ? note : '') + '\n' + tail)
  return { body, truncated: cut.truncated }
}

/** The job-summary section: the whole answer, never cut (the summary takes up to 1 MiB). */
export function renderSummary(answer: AgentAnswer, ctx: RenderContext, status: string): string {
  const text = sanitiseAgentText(redact(answer.message)).trim() || '_The agent returned an empty answer._'
  const capped = truncateOnParagraph(text, 900_000)
  return redact(
    [
      '## StackSpot agent',
      '',
      status,
      '',
      capped.text + (capped.truncated ? '\n\n_(answer cut at 900,000 characters, the job summary limit)_' : ''),
      '',
      '**Sources cited**',
      '',
      sourcesMarkdown(answer),
      '',
      `Agent ${code(ctx.agentId)} · tokens: ${tokensText(answer)}${answer.conversationId ? ` · conversation ${code(answer.conversationId)}` : ''}`,
      ''
    ].join('\n')
  )
}
