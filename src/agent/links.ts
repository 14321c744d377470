/**
 * Links and images in the agent's answer. An answer steered by a poisoned knowledge source could
 * carry an image whose URL leaks what the agent knows the moment someone opens the pull request,
 * or a phishing link posted under the token's name. Only links to the repository's own GitHub
 * host stay clickable; every other one is shown as text, its URL as code.
 *
 * We do not parse Markdown the way GitHub does; each rule below is chosen so that a mistake in
 * our reading of the text can only leave a link inert, never make one live:
 * - a `](` or `]:` whose destination is not allowed gets its `]` escaped, wherever it is (inside
 *   inline code the escape shows as a stray backslash, which is harmless);
 * - every URL to another host is put in a code span whose backtick run appears nowhere else in
 *   the text, so it can neither pair with the agent's own backticks nor stay a link destination
 *   (a destination that starts with a backtick is a relative path on GitHub's host);
 * - only fenced code blocks at the left margin are left alone: there GitHub renders nothing.
 */

/** Splits text into prose and top-level fenced code blocks (which GitHub never turns into links). */
export function splitFences(text: string): Array<{ code: boolean; text: string }> {
  const parts: Array<{ code: boolean; text: string }> = []
  const lines = text.split('\n')
  let buffer: string[] = []
  let fence: { char: string; length: number } | undefined
  const flush = (code: boolean) => {
    if (buffer.length) parts.push({ code, text: buffer.join('\n') })
    buffer = []
  }
  for (const line of lines) {
    if (!fence) {
      // Only at the left margin: an indented fence may belong to a list item that ends before it closes.
      const open = /^(`{3,}|~{3,})(.*)$/.exec(line)
      if (open && !(open[1]![0] === '`' && open[2]!.includes('`'))) {
        flush(false)
        fence = { char: open[1]![0]!, length: open[1]!.length }
      }
      buffer.push(line)
      continue
    }
    buffer.push(line)
    const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line)
    if (close && close[1]![0] === fence.char && close[1]!.length >= fence.length) {
      flush(true)
      fence = undefined
    }
  }
  flush(fence !== undefined)
  // The parts are lines of the text: join them with '\n' to get it back.
  return parts
}

/** True when `url` (as a browser would resolve it on a comment page of `host`) stays on `host`. */
export function isAllowedUrl(url: string, host: string): boolean {
  const target = url.trim()
  if (target === '' || target.startsWith('#')) return true
  let parsed: URL
  try {
    // With a scheme the URL is taken as absolute, not resolved against the page: `https:evil.com`
    // is relative in a browser on github.com, but absolute in a notification e-mail.
    parsed = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(target) ? new URL(target) : new URL(target, `https://${host}/_/_/pull/0`)
  } catch {
    return false
  }
  return (
    (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.host.toLowerCase() === host.toLowerCase() && !parsed.username && !parsed.password
  )
}

/** Markdown backslash escapes and the few entities we keep (see sanitize.ts), as GitHub decodes them in a destination. */
function decodeDestination(raw: string): string {
  let d = raw.trim()
  if (d.startsWith('<') || d.startsWith('&lt;')) d = d.replace(/^(?:<|&lt;)/, '').replace(/(?:>|&gt;)$/, '')
  return d
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(
      /&(amp|lt|gt|quot|apos|nbsp|#39|#34);/g,
      (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'", '#34': '"' })[name] ?? ''
    )
}

/** The destination that starts at `from` (after `(` or `]:`): optional blanks and one line break, then `<…>` or a run without blanks. */
function destinationAt(text: string, from: number): string {
  const lead = /[ \t]*\n?[ \t]*/y
  lead.lastIndex = from
  lead.exec(text)
  const start = lead.lastIndex
  if (text[start] === '<') {
    const pointed = /<[^>\n]*>?/y
    pointed.lastIndex = start
    return pointed.exec(text)![0]
  }
  // A raw destination ends at a blank or at the `)` that balances nothing; reading too much or
  // too little only changes which host we judge, and an unclear one is judged foreign.
  let depth = 0
  let end = start
  for (; end < text.length; end++) {
    const ch = text[end]!
    if (ch === '\\' && end + 1 < text.length) {
      end++
      continue
    }
    if (ch === ' ' || ch === '\t' || ch === '\n') break
    if (ch === '(') depth++
    if (ch === ')') {
      if (depth === 0) break
      depth--
    }
  }
  return text.slice(start, end)
}

function escapedAt(text: string, index: number): boolean {
  let slashes = 0
  for (let i = index - 1; i >= 0 && text[i] === '\\'; i--) slashes++
  return slashes % 2 === 1
}

/** Escapes the `]` of every inline link, image and reference definition that leads off the allowed host. */
export function disarmLinkSyntax(text: string, host: string): string {
  let out = ''
  let last = 0
  const syntax = /\](\(|:)/g
  for (let m = syntax.exec(text); m; m = syntax.exec(text)) {
    const at = m.index
    if (escapedAt(text, at)) continue
    // A footnote definition (`[^1]: text`) is not a link.
    if (m[1] === ':' && /\[\^[^[\]\s]+$/.test(text.slice(Math.max(0, at - 100), at))) continue
    const destination = decodeDestination(destinationAt(text, at + 2))
    if (isAllowedUrl(destination, host)) continue
    out += `${text.slice(last, at)}\\]`
    last = at + 1
  }
  return out + text.slice(last)
}

// `http:`, `https:` or `ftp:` (a `\:` still reads as a colon to us), or `www.`, wherever they
// appear: GitHub's autolinker looks back over letters only, so `1https://…` is a live link, and
// matching too often merely quotes a harmless URL. The URL runs to a blank, quote, backtick or
// angle bracket.
const URL_START = /(?:https?|ftp)\\?:|www\./gi
const URL_BODY = /[^\s<>`"']*/y

function count(text: string, ch: string): number {
  return text.split(ch).length - 1
}

/** Sentence punctuation and an unbalanced closing bracket after a URL are not part of it. */
function trimUrl(url: string): string {
  let u = url
  for (;;) {
    let t = u.replace(/[.,;:!?*_~]+$/, '')
    if (t.endsWith(')') && count(t, '(') < count(t, ')')) t = t.slice(0, -1)
    if (t.endsWith(']') && count(t, '[') < count(t, ']')) t = t.slice(0, -1)
    if (t === u) return u
    u = t
  }
}

/** Puts every URL to another host in a code span no other backticks in `text` can pair with. */
export function quoteForeignUrls(text: string, host: string): string {
  const runs = new Set((text.match(/`+/g) ?? []).map((r) => r.length))
  let fenceLength = 1
  while (runs.has(fenceLength)) fenceLength++
  const fence = '`'.repeat(fenceLength)
  let out = ''
  let last = 0
  const starts = new RegExp(URL_START.source, 'gi')
  for (let m = starts.exec(text); m; m = starts.exec(text)) {
    const start = m.index
    URL_BODY.lastIndex = start
    const url = trimUrl(URL_BODY.exec(text)![0])
    starts.lastIndex = start + Math.max(1, url.length)
    const plain = url.replace(/\\([!-/:-@[-`{-~])/g, '$1').replace(/&amp;/g, '&')
    if (/^www\./i.test(plain) ? isAllowedUrl(`http://${plain}`, host) : isAllowedUrl(plain, host)) continue
    // A backtick or backslash right before, or a backtick right after, would merge with our fence.
    const before = start > 0 && /[`\\]/.test(text[start - 1]!) ? ' ' : ''
    const after = text[start + url.length] === '`' ? ' ' : ''
    out += `${text.slice(last, start)}${before}${fence}${url}${fence}${after}`
    last = start + url.length
  }
  return out + text.slice(last)
}
