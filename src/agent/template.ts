/**
 * The agent's prompt: the `prompt` input (or the built-in review prompt) with its placeholders
 * filled. PR titles, bodies and reviews are untrusted; they only ever become text in the prompt.
 */
import { UNPRINTABLE } from './sanitize.js'

export const PROMPT_PLACEHOLDERS = ['repository', 'changed_docs', 'diff', 'plan', 'pr_title', 'pr_body', 'review_body'] as const
export type PromptValues = Record<(typeof PROMPT_PLACEHOLDERS)[number], string>

export const DEFAULT_PROMPT = `You are reviewing a documentation change in the repository {{repository}}.
Compare it with what you know from your knowledge sources and answer in Markdown:
1. Does the change contradict, duplicate or outdate anything you know? Quote the knowledge source.
2. Is anything missing, unclear or wrong (facts, commands, links, names)?
3. A short verdict: looks good, or what to fix before merging.
Be concise; do not repeat the diff back.

Pull request: {{pr_title}}
{{pr_body}}

Reviewer's note:
{{review_body}}

Changed docs:
{{changed_docs}}

Knowledge base changes (on a pull request: what merging would do):
{{plan}}

Diff of the docs:
{{diff}}
`

/**
 * Fills `{{name}}` placeholders in one pass over the template: a value that itself contains
 * `{{diff}}` (say, a PR body) is inserted verbatim and never expanded. Unknown placeholders stay
 * as written, so a typo is visible in the prompt rather than silently empty.
 */
export function renderPrompt(template: string, values: PromptValues): string {
  const source = template.trim() === '' ? DEFAULT_PROMPT : template
  return source.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? values[name as keyof PromptValues] : whole))
}

/**
 * The `{{changed_docs}}` list: one `- path` per line, each path as inline code with control and
 * invisible characters spelled out, so a file name (which a fork's author chooses) can neither
 * start a new line of instructions nor hide text.
 */
export function promptPathList(paths: readonly string[], max: number): string {
  if (paths.length === 0) return '(none)'
  const lines = paths.slice(0, max).map((p) => `- ${quotedPath(p)}`)
  if (paths.length > max) lines.push(`- … and ${paths.length - max} more`)
  return lines.join('\n')
}

function quotedPath(path: string): string {
  const visible = path.replace(UNPRINTABLE, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u{${c.codePointAt(0)!.toString(16)}}`))
  const longest = Math.max(0, ...(visible.match(/`+/g) ?? []).map((r) => r.length))
  const fence = '`'.repeat(longest + 1)
  const pad = visible.startsWith('`') || visible.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${visible}${pad}${fence}`
}
