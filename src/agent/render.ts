/**
 * The PR comment and the job-summary section for an agent answer. Everything the agent or the
 * repository supplies is sanitised here; the comment stays under GitHub's size limit.
 */
import type { ItemResult, SyncReport } from '../plan.js'
import { redact } from '../secrets.js'
import type { AgentAnswer } from './answer.js'
import { formatMarker, isConversationId } from './marker.js'
import { GITHUB_COMMENT_MAX, UNPRINTABLE, neutraliseMentions, sanitiseAgentText, truncateOnParagraph } from './sanitize.js'

const PLAN_LIST_MAX = 50
/** Room left for GitHub counting differently from us and for our own additions. */
const COMMENT_MARGIN = 200

/** A name or id a vendor or the repository supplied, as one printable line of at most `max` characters. */
export function plainField(text: string, max = 200): string {
  const line = redact(text)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(UNPRINTABLE, '')
  return line.length > max ? `${line.slice(0, max)}…` : line
}

/** A file name or id as inline code, safe whatever characters it holds. */
export function code(text: string): string {
  const clean = neutraliseMentions(plainField(text, 1000))
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
      if (typeof s[key] === 'string' && s[key]) return plainField(s[key] as string)
    }
  }
  return plainField(JSON.stringify(source) ?? String(source))
}

/**
 * A value the vendor chose (a knowledge source id or name, a token count's name, a stop reason):
 * inline code when it is a plain name; otherwise text with every character Markdown or HTML could
 * read escaped (no tag, link, image, emphasis or mention survives), and any URL in it as code.
 */
export function vendorText(text: string): string {
  const line = plainField(text)
  if (/^[\w./-][\w./ -]*$/.test(line) && !line.endsWith(' ')) return code(line)
  const escaped = (part: string) => neutraliseMentions(htmlEscape(part).replace(/[\\`*_{}[\]()#+\-.!|~:]/g, '\\$&'))
  let out = ''
  let last = 0
  for (const m of line.matchAll(/(?:https?|ftp):\/\/[^\s<>`"']+|www\.[^\s<>`"']+/gi)) {
    out += `${escaped(line.slice(last, m.index))} ${code(m[0])} `
    last = m.index + m[0].length
  }
  return out + escaped(line.slice(last))
}

function htmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

export function sourcesMarkdown(answer: AgentAnswer): string {
  const lines: string[] = []
  for (const id of answer.knowledgeSourceIds.slice(0, 50)) lines.push(`- knowledge source ${vendorText(id)}`)
  for (const s of answer.sources.slice(0, 50)) lines.push(`- ${vendorText(sourceLabel(s))}`)
  return lines.length ? lines.join('\n') : '_The agent cited no knowledge source._'
}

/** Token counts; the names come from the vendor, so any but a plain word is escaped. */
export function tokensText(answer: AgentAnswer): string {
  if (!answer.tokens) return 'not reported'
  return Object.entries(answer.tokens)
    .slice(0, 10)
    .map(([k, v]) => `${/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(k) ? k : vendorText(k)} ${v}`)
    .join(' · ')
}

function usageLine(answer: AgentAnswer, agentId: string): string {
  const stop = answer.stopReason ? ` · stop reason ${vendorText(answer.stopReason)}` : ''
  const conversation = answer.conversationId && isConversationId(answer.conversationId) ? ` · conversation ${code(answer.conversationId)}` : ''
  return `Agent ${code(agentId)} · tokens: ${tokensText(answer)}${stop}${conversation}`
}

export interface RenderContext {
  knowledgeBase: string
  agentId: string
  report: SyncReport
  /** The marker's key: which workflow and job own the comment (see marker.ts). */
  commentKey: string
  /** The repository's GitHub host (from GITHUB_SERVER_URL): the only one the answer may link to. */
  host: string
  /** Link to the run, where the job summary holds the full answer. */
  runUrl?: string
}

// Characters that show nothing, and Markdown that only styles: an echoed secret interleaved with
// either reads as the secret on the page, though redact() never sees it whole.
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g
const STYLING = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff*_~`\\]/g

/**
 * The answer with every credential the action knows replaced by `***`, also where the agent hid
 * one behind invisible characters or Markdown styling. Those characters are dropped only when
 * dropping them reveals a credential, so a normal answer keeps its formatting.
 */
export function redactAnswer(text: string): string {
  let out = redact(text)
  for (const hidden of [INVISIBLE, STYLING]) {
    // Our own `***` survives the stripping of `*`.
    const bare = out.replaceAll('***', '\uE000').replace(hidden, '').replaceAll('\uE000', '***')
    const cleaned = redact(bare)
    if (cleaned !== bare) out = cleaned
  }
  return out
}

/**
 * The published form of the answer in at most `max` characters. It is cut first and sanitised
 * after, so a cut can never split a construct the sanitiser made inert; sanitising lengthens the
 * text a little, so the cut is repeated shorter until the result fits.
 */
function publishedAnswer(answer: AgentAnswer, host: string, max: number): { text: string; truncated: boolean } {
  const raw = redactAnswer(answer.message).replace(/\r\n?/g, '\n').trim()
  if (raw === '') return { text: '_The agent returned an empty answer._', truncated: false }
  let limit = max
  for (let attempt = 0; attempt < 8; attempt++) {
    const cut = truncateOnParagraph(raw, limit)
    const text = sanitiseAgentText(cut.text, host).trim()
    if (text.length <= max) return { text, truncated: cut.truncated }
    limit -= text.length - max + 100
    if (limit < 100) break
  }
  return { text: '_The answer could not be shortened to fit; it is in the job summary._', truncated: true }
}

/** The comment body: marker first, then the answer (cut to fit), plan, sources and token usage. */
export function renderComment(answer: AgentAnswer, ctx: RenderContext): { body: string; truncated: boolean } {
  const marker = formatMarker(ctx.knowledgeBase, ctx.commentKey, answer.conversationId)
  const head = `${marker}\n### StackSpot agent review\n\n`
  const tail = [
    '',
    '---',
    // An HTML block: Markdown is not read inside it, so the name is escaped as HTML.
    `<details><summary>What merging would change in <code>${htmlEscape(neutraliseMentions(plainField(ctx.knowledgeBase)))}</code></summary>`,
    '',
    planMarkdown(ctx.report),
    '',
    '</details>',
    '',
    '**Sources cited**',
    '',
    sourcesMarkdown(answer),
    '',
    `<sub>${usageLine(answer, ctx.agentId)} · updated by Knowledge Sync on each run</sub>`
  ].join('\n')
  const note = `\n\n> [!NOTE]\n> The answer was shortened to fit in a comment; the full answer is in the [job summary](${ctx.runUrl ?? '#'}).`
  const budget = GITHUB_COMMENT_MAX - COMMENT_MARGIN - head.length - tail.length - note.length
  const cut = publishedAnswer(answer, ctx.host, Math.max(1000, budget))
  const body = redact(`${head}${cut.text}${cut.truncated ? note : ''}\n${tail}`)
  return { body, truncated: cut.truncated }
}

/** The job-summary section: the whole answer, never cut (the summary takes up to 1 MiB). */
export function renderSummary(answer: AgentAnswer, ctx: RenderContext, status: string): string {
  const capped = publishedAnswer(answer, ctx.host, 900_000)
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
      usageLine(answer, ctx.agentId),
      ''
    ].join('\n')
  )
}
