import * as core from '@actions/core'

/**
 * Every credential and every token derived from one passes through `registerSecret` the moment
 * it is known: the runner then masks it in the log, and `redact` removes it from text we build
 * ourselves (error messages, the job summary, outputs, PR comments), which the runner does not mask.
 *
 * Vendors, proxies and error pages echo what they were sent in whatever encoding they like, so a
 * secret is looked for in each spelling it can take: raw, JSON-escaped (`\/`, `\u0041`),
 * URL- or form-encoded (`%2F`, `+` for a space), and as base64 or base64url of itself or of the
 * `user:secret` pair of HTTP Basic authentication. Mixed spellings within one echo are caught too.
 */
const secrets = new Set<string>()
let matcher: RegExp | undefined

/**
 * Hands one spelling to the runner's masker (`::add-mask::` on stdout). The command line has no
 * runner to read that command, and printing it would show the secret: it turns this off.
 */
let announce: (spelling: string) => void = (spelling) => core.setSecret(spelling)

export function announceSecretsToRunner(enabled: boolean): void {
  announce = enabled ? (spelling) => core.setSecret(spelling) : () => undefined
}

/** Masking a one- or two-character value would star out half the log and protect nothing. */
const MIN_LENGTH = 3

/**
 * `basicUser`: the client id or user name the secret is paired with, when one is known, so its
 * `Authorization: Basic base64(user:secret)` form is masked too.
 */
export function registerSecret(value: string | undefined, opts: { basicUser?: string } = {}): void {
  if (!value) return
  const trimmed = value.trim()
  if (trimmed.length < MIN_LENGTH) return
  const forms = [trimmed, ...base64Forms(trimmed)]
  if (opts.basicUser) forms.push(...base64Forms(`${opts.basicUser}:${trimmed}`))
  let added = false
  for (const form of forms) {
    if (form.length < MIN_LENGTH || secrets.has(form)) continue
    secrets.add(form)
    added = true
    // The runner masks exact strings only: give it the spellings most likely to reach the log.
    for (const spelling of new Set([form, encodeURIComponent(form), new URLSearchParams({ v: form }).toString().slice(2)])) announce(spelling)
  }
  if (added) matcher = undefined
}

/** Standard base64 with and without padding, and base64url (which never pads in JWTs and OAuth). */
function base64Forms(value: string): string[] {
  const b64 = Buffer.from(value).toString('base64')
  return [...new Set([b64, b64.replace(/=+$/, ''), Buffer.from(value).toString('base64url')])]
}

export function redact(text: string): string {
  if (secrets.size === 0 || text === '') return text
  if (onlyRawSpellings(text) && !containsRawForm(text)) return text
  matcher ??= compile()
  return text.replace(matcher, '***')
}

/**
 * Every encoded spelling the matcher knows starts with `\` or `%`, or is `+` for a space. Text
 * without those can only hold a secret as is, which a substring search finds far faster than the
 * matcher: compiling it for every registered form took tens of ms of a small run (once at the
 * first log line, again after each new token), and most log lines hold no secret at all.
 */
function onlyRawSpellings(text: string): boolean {
  return !/[\\%+]/.test(text)
}

function containsRawForm(text: string): boolean {
  for (const form of secrets) if (text.includes(form)) return true
  return false
}

/** One pattern for every registered form, longest first, so a secret that contains another is replaced whole. */
function compile(): RegExp {
  const sources = [...secrets].sort((a, b) => b.length - a.length).map((form) => [...form].map(anySpelling).join(''))
  return new RegExp(sources.join('|'), 'g')
}

/** A regex matching one character in any of the encodings a server may echo it in. */
function anySpelling(ch: string): string {
  const alternatives = new Set<string>([escapeRegex(ch)])
  // JSON: \uXXXX for any character (one escape per UTF-16 unit), plus the short escapes.
  alternatives.add([...Array(ch.length).keys()].map((i) => `\\\\u${hexPattern(ch.charCodeAt(i), 4)}`).join(''))
  const short = JSON_SHORT_ESCAPES[ch]
  if (short) alternatives.add(escapeRegex(short))
  // URL and form encoding: %XX per UTF-8 byte, and `+` for a space.
  alternatives.add([...Buffer.from(ch, 'utf8')].map((b) => `%${hexPattern(b, 2)}`).join(''))
  if (ch === ' ') alternatives.add('\\+')
  return `(?:${[...alternatives].join('|')})`
}

const JSON_SHORT_ESCAPES: Record<string, string> = { '/': '\\/', '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' }

/** Hex digits of `n`, each letter matching either case (`%2f` and `%2F`). */
function hexPattern(n: number, width: number): string {
  return [...n.toString(16).padStart(width, '0')].map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d)).join('')
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/** For tests: forget the registered secrets. */
export function clearSecrets(): void {
  secrets.clear()
  matcher = undefined
}
