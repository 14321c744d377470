/**
 * The agent's answer is untrusted text that we publish under the token's name. Before it goes into
 * a PR comment or the job summary: no @mention may notify anyone, no raw HTML may render, and no
 * HTML comment may survive (it could forge our hidden marker).
 */

/** GitHub refuses comment bodies longer than this (characters). */
export const GITHUB_COMMENT_MAX = 65_536

const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g
// A tag, closing tag, declaration or processing instruction: `<div …>`, `</a>`, `<!DOCTYPE>`, `<?xml?>`.
const HTML_TAG = /<\/?[A-Za-z][\w:-]*(?:\s[^<>]*)?\/?>|<![A-Za-z[][^<>]*>|<\?[^<>]*\?>/g
// `@name` or `@org/team` that GitHub would link and notify; e-mail addresses (word char before @) do not notify.
const MENTION = /(?<!\w)@(?=[A-Za-z0-9])/g

export function stripHtml(text: string): string {
  let out = text
  // Removing one construct can join its neighbours into a new one (`<<!---->!-- x -->`); repeat until stable.
  for (let i = 0; i < 10; i++) {
    const next = out.replace(HTML_COMMENT, '').replace(HTML_TAG, '')
    if (next === out) break
    out = next
  }
  // Whatever is left that could still open a comment or tag is shown literally.
  return out.replace(/<(?=[!?/A-Za-z])/g, '&lt;')
}

/** A zero-width space after `@` keeps the text readable while GitHub no longer sees a mention. */
export function neutraliseMentions(text: string): string {
  return text.replace(MENTION, '@\u200B')
}

export function sanitiseAgentText(text: string): string {
  return neutraliseMentions(stripHtml(text.replace(/\r\n?/g, '\n')))
}

/** The largest index ≤ `at` that does not fall between the two halves of a surrogate pair. */
export function safeCutIndex(text: string, at: number): number {
  let cut = Math.max(0, Math.min(at, text.length))
  if (cut > 0 && cut < text.length) {
    const before = text.charCodeAt(cut - 1)
    if (before >= 0xd800 && before <= 0xdbff) cut--
  }
  return cut
}

/**
 * At most `max` characters of `text`, cut at the last paragraph break that fits (else a line
 * break, else a safe character boundary), with an unclosed code fence closed again.
 * Returns the text unchanged when it fits.
 */
export function truncateOnParagraph(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false }
  // Room for a closing fence we may add.
  const budget = Math.max(0, max - 5)
  const floor = Math.floor(budget / 2)
  let cut = text.lastIndexOf('\n\n', budget)
  if (cut < floor) cut = text.lastIndexOf('\n', budget)
  if (cut < floor) cut = budget
  cut = safeCutIndex(text, cut)
  let kept = text.slice(0, cut).trimEnd()
  const fences = kept.match(/^\s*(```|~~~)/gm)?.length ?? 0
  if (fences % 2 === 1) kept += '\n```'
  return { text: kept, truncated: true }
}
