/**
 * Markdown doc → Staffify Q&A entries, and the tag that lets the action recognise its own entries
 * later. Pure: no I/O, so the same doc always gives the same entries.
 *
 * One entry per section: the question names the doc and the heading path, the answer is the
 * section's text. Staffify caps an entry at 8,000 characters of question + answer, so a longer
 * section becomes several entries (`(part 2 of 3)`), cut at paragraph, line or word boundaries;
 * no text is dropped. The POST that adds entries answers with a count only, so each question ends
 * with a tag naming the doc (`<namespace>/<key>`), the entry's ordinal and a short content digest:
 *
 *   Setup guide › Install › Linux [octo/handbook/docs/setup.md · 2/5 · 3f9a2c1b7d4e]
 *
 * The tag sits in the question, not the answer, because the answer is what an agent reads out.
 */

import { keyInNamespace } from '../../namespace.js'
import type { Entry } from './schema.js'

/** Staffify's limit for one entry, question and answer together. */
export const MAX_ENTRY_CHARS = 8_000
/** Staffify's limit for one POST …/entries. */
export const MAX_ENTRIES_PER_REQUEST = 100
/** Hex digits of the doc's sha256 kept in the tag: enough to tell versions apart, short to read. */
export const DIGEST_CHARS = 12
/** The readable part of a question is cut to this, so that the answer keeps most of the budget. */
const MAX_QUESTION_TEXT = 300

export interface QaEntry {
  readonly q: string
  readonly a: string
}

export interface EntryTag {
  /** The doc's stored name, `<namespace>/<key>` (just the key for entries written by 1.0). */
  readonly key: string
  /** 1-based ordinal of the entry within its doc. */
  readonly index: number
  /** How many entries the doc has. */
  readonly total: number
  readonly digest: string
}

export interface Section {
  /** Heading texts from the outermost down; empty for text before the first heading. */
  readonly headings: readonly string[]
  readonly body: string
}

export interface ParsedDoc {
  readonly title: string
  readonly sections: readonly Section[]
}

const TAG_PATTERN = new RegExp(` \\[(.+) · (\\d+)/(\\d+) · ([0-9a-f]{${DIGEST_CHARS}})\\]$`)

export function formatTag(tag: EntryTag): string {
  return ` [${tag.key} · ${tag.index}/${tag.total} · ${tag.digest}]`
}

/** The tag at the end of a question, or undefined for an entry the action did not write. */
export function parseTag(question: string): EntryTag | undefined {
  const m = TAG_PATTERN.exec(question)
  if (!m) return undefined
  const index = Number(m[2])
  const total = Number(m[3])
  if (index < 1 || index > total) return undefined
  return { key: m[1]!, index, total, digest: m[4]! }
}

/** Why a key cannot be carried in a tag, or undefined when it can. */
export function keyProblem(key: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point of this check
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'the path contains control characters, which cannot be stored in an entry question'
  if (key.length > 500) return 'the namespace and path together are longer than 500 characters, too long to tag Staffify entries with'
  return undefined
}

/** Splits Markdown into a title and sections by ATX (`## x`) and setext headings, ignoring code fences. */
export function parseMarkdown(markdown: string, fallbackTitle: string): ParsedDoc {
  let text = markdown.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')
  let frontTitle: string | undefined
  const front = /^---\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(text)
  if (front) {
    // Front matter is metadata for site generators, not text for an agent; only its title is used.
    frontTitle = /^title:[ \t]*(.+)$/m
      .exec(front[1]!)?.[1]
      ?.trim()
      .replace(/^(['"])(.*)\1$/, '$2')
    text = text.slice(front[0].length)
  }
  const lines = text.split('\n')
  const raw: Array<{ level: number; heading: string | undefined; body: string[] }> = [{ level: 0, heading: undefined, body: [] }]
  let fence: { char: string; length: number } | undefined
  for (const line of lines) {
    const current = raw.at(-1)!
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(line)
    if (fence) {
      if (fenceMatch && fenceMatch[1]![0] === fence.char && fenceMatch[1]!.length >= fence.length && /^ {0,3}[`~]+[ \t]*$/.test(line)) fence = undefined
      current.body.push(line)
      continue
    }
    if (fenceMatch) {
      fence = { char: fenceMatch[1]![0]!, length: fenceMatch[1]!.length }
      current.body.push(line)
      continue
    }
    const atx = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line)
    if (atx) {
      raw.push({ level: atx[1]!.length, heading: cleanHeading(atx[2] ?? ''), body: [] })
      continue
    }
    const setext = /^ {0,3}(=+|-+)[ \t]*$/.exec(line)
    const previous = current.body.at(-1)
    if (setext && previous !== undefined && previous.trim() !== '' && current.body.length > 0 && isParagraphLine(previous) && startsParagraph(current.body)) {
      current.body.pop()
      raw.push({ level: setext[1]![0] === '=' ? 1 : 2, heading: cleanHeading(previous.trim()), body: [] })
      continue
    }
    current.body.push(line)
  }

  const firstHeading = raw.find((s) => s.heading !== undefined)
  const h1Title = firstHeading?.level === 1 && firstHeading.heading ? firstHeading.heading : undefined
  const title = frontTitle || h1Title || fallbackTitle
  const sections: Section[] = []
  const stack: Array<{ level: number; heading: string }> = []
  raw.forEach((s, i) => {
    if (s.heading !== undefined) {
      while (stack.length > 0 && stack.at(-1)!.level >= s.level) stack.pop()
      stack.push({ level: s.level, heading: s.heading || '(untitled)' })
    }
    const body = trimBlankLines(s.body)
    const headings = stack.map((h) => h.heading)
    if (body === '') {
      if (s.heading === undefined) return
      // A heading with no text of its own leads into its subsections, whose questions name it.
      const next = raw[i + 1]
      if (next && next.level > s.level) return
      sections.push({ headings, body: s.heading || '(untitled)' })
      return
    }
    sections.push({ headings, body })
  })
  return { title, sections }
}

/** The question for a section: the doc's title, then the heading path below it. */
export function questionText(title: string, headings: readonly string[]): string {
  const path = headings[0] === title ? headings.slice(1) : headings
  const text = [title, ...path].join(' › ')
  return text.length > MAX_QUESTION_TEXT ? `${text.slice(0, MAX_QUESTION_TEXT - 1).trimEnd()}…` : text
}

/**
 * What Staffify's 8,000 limit counts. The docs say characters; a server counting UTF-8 bytes would
 * refuse a multi-byte entry of fewer characters, and the adapter then sizes entries in bytes,
 * which no count of the same text exceeds.
 */
export type LimitUnit = 'characters' | 'bytes'

/** The size of `text` in `unit`. */
export function sizeIn(unit: LimitUnit, text: string): number {
  return unit === 'bytes' ? Buffer.byteLength(text, 'utf8') : text.length
}

/**
 * Every entry for a doc, tagged with `key` and `digest`. Each entry's question + answer is at most
 * MAX_ENTRY_CHARS in `limitUnit`: characters by default (UTF-16 code units, which is never fewer
 * than the code points a server might count), or UTF-8 bytes.
 */
export function docToEntries(opts: { key: string; markdown: string; digest: string; fallbackTitle: string; limitUnit?: LimitUnit }): QaEntry[] {
  const unit = opts.limitUnit ?? 'characters'
  const size = (text: string) => sizeIn(unit, text)
  const { title, sections } = parseMarkdown(opts.markdown, opts.fallbackTitle)
  // The tag's width depends on the entry count; plan with a generous count, then check.
  let assumedTotal = Math.max(9, sections.length)
  for (;;) {
    const tagWidth = size(formatTag({ key: opts.key, index: assumedTotal, total: assumedTotal, digest: opts.digest }))
    const drafts: Array<{ q: string; a: string }> = []
    for (const section of sections) {
      const q = questionText(title, section.headings)
      const whole = MAX_ENTRY_CHARS - size(q) - tagWidth
      if (size(section.body) <= whole) {
        drafts.push({ q, a: section.body })
        continue
      }
      // The part suffix costs characters too; size it for a part count with as many digits as the worst case.
      const suffixWidth = ` (part ${section.body.length} of ${section.body.length})`.length
      const parts = splitText(section.body, MAX_ENTRY_CHARS - size(q) - tagWidth - suffixWidth, unit)
      for (const [i, a] of parts.entries()) drafts.push({ q: `${q} (part ${i + 1} of ${parts.length})`, a })
    }
    if (String(drafts.length).length > String(assumedTotal).length) {
      assumedTotal = drafts.length
      continue
    }
    return drafts.map((d, i) => ({ q: d.q + formatTag({ key: opts.key, index: i + 1, total: drafts.length, digest: opts.digest }), a: d.a }))
  }
}

/**
 * Cuts text into pieces of at most `max` (in `unit`), preferring paragraph breaks, then line
 * breaks, then spaces; whitespace at a cut is the only thing not carried into a piece.
 */
export function splitText(text: string, max: number, unit: LimitUnit = 'characters'): string[] {
  if (max < 100) throw new Error(`no room left for the answer (${max} ${unit})`)
  const parts: string[] = []
  let rest = text
  while (sizeIn(unit, rest) > max) {
    const limit = fittingPrefix(rest, max, unit)
    const window = rest.slice(0, limit + 1)
    let cut = -1
    for (const separator of [/\n[ \t]*\n/g, /\n/g, /[ \t]/g]) {
      let last = -1
      for (const m of window.matchAll(separator)) if (m.index > limit / 2 && m.index <= limit) last = m.index
      if (last !== -1) {
        cut = last
        break
      }
    }
    if (cut === -1) {
      cut = limit
      // Never cut a surrogate pair in two.
      const code = rest.charCodeAt(cut - 1)
      if (code >= 0xd800 && code <= 0xdbff) cut--
    }
    parts.push(rest.slice(0, cut).trimEnd())
    rest = rest.slice(cut).replace(/^\s+/, '')
  }
  if (rest.trim() !== '' || parts.length === 0) parts.push(rest)
  return parts.filter((p) => p !== '')
}

/** How many UTF-16 code units of `text` fit in `max` of `unit`. */
function fittingPrefix(text: string, max: number, unit: LimitUnit): number {
  if (unit === 'characters') return Math.min(text.length, max)
  let bytes = 0
  let i = 0
  while (i < text.length) {
    const cp = text.codePointAt(i)!
    const width = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
    if (bytes + width > max) break
    bytes += width
    i += cp > 0xffff ? 2 : 1
  }
  return i
}

/** Groups entries into POST bodies of at most MAX_ENTRIES_PER_REQUEST. */
export function batches<T>(items: readonly T[], size = MAX_ENTRIES_PER_REQUEST): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** `docs/setup-guide.md` → `setup guide`: a title for docs without a heading. */
export function titleFromPath(path: string): string {
  const base = path.split('/').pop() ?? path
  return (
    base
      .replace(/\.[^.]+$/, '')
      .replace(/[-_]+/g, ' ')
      .trim() || base
  )
}

function cleanHeading(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim()
}

function trimBlankLines(lines: readonly string[]): string {
  let start = 0
  let end = lines.length
  while (start < end && lines[start]!.trim() === '') start++
  while (end > start && lines[end - 1]!.trim() === '') end--
  return lines.slice(start, end).join('\n')
}

/** Lines that can end a setext heading's text (not list items, quotes, tables, HTML). */
function isParagraphLine(line: string): boolean {
  return !/^ {0,3}([-*+>|<]|\d+[.)])/.test(line) && !/^ {4}|^\t/.test(line)
}

/** True when the last line of `body` is a paragraph's only line (a setext heading is one line here). */
function startsParagraph(body: readonly string[]): boolean {
  return body.length < 2 || body.at(-2)!.trim() === ''
}

/** One doc's entries as listed, grouped by the version (digest) and ordinal in their tags. */
export class OwnedEntries {
  readonly key: string
  readonly entries: Array<{ entry: Entry; tag: EntryTag }> = []
  constructor(key: string) {
    this.key = key
  }

  add(entry: Entry, tag: EntryTag): void {
    this.entries.push({ entry, tag })
  }

  /**
   * The ids of one complete set of entries for `digest` with `total` entries (one per ordinal),
   * or undefined when any ordinal is missing. Extra copies (a crashed run's retry) are left out.
   */
  complete(digest: string, total: number): Map<number, Entry> | undefined {
    const byIndex = new Map<number, Entry>()
    for (const { entry, tag } of this.entries) {
      if (tag.digest === digest && tag.total === total && !byIndex.has(tag.index)) byIndex.set(tag.index, entry)
    }
    return byIndex.size === total ? byIndex : undefined
  }

  /** The digest when the store holds exactly one complete version and nothing else; else undefined. */
  settledDigest(): string | undefined {
    const first = this.entries[0]?.tag
    if (!first) return undefined
    if (this.entries.length !== first.total) return undefined
    if (!this.entries.every(({ tag }) => tag.digest === first.digest && tag.total === first.total)) return undefined
    return this.complete(first.digest, first.total) ? first.digest : undefined
  }
}

/**
 * Groups a KB's entries by the doc key in their tags; entries without a tag, or whose tag names
 * another namespace, are not ours.
 */
export function ownedByKey(entries: readonly Entry[], namespace: string): Map<string, OwnedEntries> {
  const out = new Map<string, OwnedEntries>()
  for (const entry of entries) {
    const tag = parseTag(entry.question)
    const key = tag && keyInNamespace(namespace, tag.key)
    if (!tag || key === undefined) continue
    const owned = out.get(key) ?? new OwnedEntries(key)
    out.set(key, owned)
    owned.add(entry, tag)
  }
  return out
}
