/**
 * The agent's answer is untrusted text that we publish under the token's name. Before it goes into
 * a PR comment or the job summary: no @mention may notify anyone (however it is spelled), no raw
 * HTML may render, no HTML comment may survive (it could forge our hidden marker), no character
 * reference may spell what the rules below look for, and no link or image may lead off the
 * repository's GitHub host (links.ts).
 */
import { disarmLinkSyntax, quoteForeignUrls, splitFences } from './links.js'

/**
 * Control characters, and format characters that show nothing or reorder text on screen (soft
 * hyphen, zero-width characters, bidi overrides and isolates): a name holding them may read as
 * something it is not.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
export const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g

/** GitHub refuses comment bodies longer than this (characters). */
export const GITHUB_COMMENT_MAX = 65_536

const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g
// A tag, closing tag, declaration or processing instruction: `<div …>`, `</a>`, `<!DOCTYPE>`, `<?xml?>`.
const HTML_TAG = /<\/?[A-Za-z][\w:-]*(?:\s[^<>]*)?\/?>|<![A-Za-z[][^<>]*>|<\?[^<>]*\?>/g
// `@name` or `@org/team` that GitHub would link and notify; e-mail addresses (word char before @) do
// not notify. Look-alike at signs and invisible characters after the sign count as a mention too.
const MENTION = /(?<!\w)([@\uFF20\uFE6B])[\u200B-\u200D\u2060\uFEFF]*(?=[A-Za-z0-9])/g

// A character reference: GitHub decodes these in prose, so `&#64;team` would read as a mention and
// `https&#58;//` as a URL. The few that only ever show a plain character are kept.
const CHARACTER_REFERENCE = /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/g
const KEPT_REFERENCES = new Set(['amp', 'lt', 'gt', 'quot', 'apos', 'nbsp', '#39', '#34'])
const AT_SIGNS = new Set([0x40, 0xff20, 0xfe6b])

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
  return text.replace(MENTION, (_, sign: string) => `${sign}\u200B`)
}

/**
 * An at sign written as a reference becomes the sign itself (so the mention rule sees it); every
 * other reference except the plain ones is shown as written (`&amp;#58;` renders `&#58;`).
 */
export function escapeReferences(text: string): string {
  return text.replace(CHARACTER_REFERENCE, (whole, ref: string) => {
    if (KEPT_REFERENCES.has(ref)) return whole
    if (ref.toLowerCase() === 'commat') return '@'
    if (ref.startsWith('#')) {
      const hex = ref[1] === 'x' || ref[1] === 'X'
      const point = Number.parseInt(ref.slice(hex ? 2 : 1), hex ? 16 : 10)
      if (AT_SIGNS.has(point)) return String.fromCodePoint(point)
    }
    return `&amp;${ref};`
  })
}

/**
 * The answer as we publish it. `host` is the repository's GitHub host (GITHUB_SERVER_URL's),
 * the only one links may lead to. Fenced code blocks at the left margin keep their text, apart
 * from tags and mentions (as before): GitHub renders no link, image or reference inside them.
 */
export function sanitiseAgentText(text: string, host = 'github.com'): string {
  const parts = splitFences(stripHtml(text.replace(/\r\n?/g, '\n')))
  const safe = parts.map((p) => (p.code ? p.text : quoteForeignUrls(disarmLinkSyntax(escapeReferences(p.text), host), host)))
  return neutraliseMentions(safe.join('\n'))
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
