import { describe, expect, it } from 'vitest'
import {
  MAX_ENTRY_CHARS,
  batches,
  docToEntries,
  formatTag,
  ownedByKey,
  OwnedEntries,
  parseMarkdown,
  parseTag,
  splitText,
  titleFromPath
} from '../../src/vendors/staffify/entries.js'

const digest = 'abcdef012345'
const entriesOf = (markdown: string, key = 'docs/guide.md') => docToEntries({ key, markdown, digest, fallbackTitle: titleFromPath(key) })
const squash = (s: string) => s.replace(/\s+/g, '')

describe('parseMarkdown', () => {
  it('makes one section per heading with the heading path, and takes the title from the first H1', () => {
    const doc = parseMarkdown('# Guide\n\nIntro text.\n\n## Install\n\nRun it.\n\n### Linux\n\napt get.\n\n## Use\n\nCall it.\n', 'x')
    expect(doc.title).toBe('Guide')
    expect(doc.sections).toEqual([
      { headings: ['Guide'], body: 'Intro text.' },
      { headings: ['Guide', 'Install'], body: 'Run it.' },
      { headings: ['Guide', 'Install', 'Linux'], body: 'apt get.' },
      { headings: ['Guide', 'Use'], body: 'Call it.' }
    ])
  })

  it('does not split on # lines inside fenced code, and keeps the code in the answer', () => {
    const doc = parseMarkdown('## Shell\n\n```sh\n# a comment, not a heading\necho hi\n```\n\nafter\n', 'f')
    expect(doc.sections).toHaveLength(1)
    expect(doc.sections[0]!.body).toContain('# a comment, not a heading')
    expect(doc.sections[0]!.body).toContain('after')
  })

  it('reads setext headings, text before the first heading, and front matter titles', () => {
    const doc = parseMarkdown('---\ntitle: "Billing FAQ"\nsidebar: 2\n---\nPreamble.\n\nRefunds\n-------\n\nWithin 30 days.\n', 'billing')
    expect(doc.title).toBe('Billing FAQ')
    expect(doc.sections).toEqual([
      { headings: [], body: 'Preamble.' },
      { headings: ['Refunds'], body: 'Within 30 days.' }
    ])
  })

  it('skips a heading that only leads into subsections but keeps an empty leaf heading', () => {
    const doc = parseMarkdown('# T\n## A\n### A1\ntext\n## Empty\n', 'x')
    expect(doc.sections.map((s) => s.headings.join('/'))).toEqual(['T/A/A1', 'T/Empty'])
    expect(doc.sections[1]!.body).toBe('Empty')
  })
})

describe('docToEntries', () => {
  it('names the doc and heading path in the question and tags every entry with key, ordinal and digest', () => {
    const entries = entriesOf('# Setup guide\n\nHello.\n\n## Install\n\nRun npm.\n')
    expect(entries).toEqual([
      { q: 'Setup guide [docs/guide.md · 1/2 · abcdef012345]', a: 'Hello.' },
      { q: 'Setup guide › Install [docs/guide.md · 2/2 · abcdef012345]', a: 'Run npm.' }
    ])
    expect(parseTag(entries[1]!.q)).toEqual({ key: 'docs/guide.md', index: 2, total: 2, digest })
  })

  it('uses the file name as title when the doc has no H1', () => {
    expect(entriesOf('Just text.', 'docs/return-policy.txt')[0]!.q).toMatch(/^return policy \[/)
  })

  it('splits a long section into parts within 8,000 characters each and drops no text', () => {
    const paragraphs = Array.from({ length: 60 }, (_, i) => `Paragraph ${i} ${'lorem ipsum dolor sit amet '.repeat(20)}`)
    const long = paragraphs.join('\n\n')
    const entries = entriesOf(`# Big\n\n## Details\n\n${long}\n\n## Tail\n\nend`)
    const details = entries.filter((e) => e.q.startsWith('Big › Details'))
    expect(details.length).toBeGreaterThan(3)
    for (const e of entries) expect(e.q.length + e.a.length).toBeLessThanOrEqual(MAX_ENTRY_CHARS)
    expect(details[0]!.q).toMatch(new RegExp(`^Big › Details \\(part 1 of ${details.length}\\) \\[docs/guide.md · 1/${entries.length} · `))
    expect(squash(details.map((e) => e.a).join(''))).toBe(squash(long))
    // Cuts fall on paragraph boundaries when there are any.
    for (const e of details) expect(e.a.startsWith('Paragraph')).toBe(true)
  })

  it('hard-cuts text without spaces, never splitting a surrogate pair', () => {
    const emoji = '😀'.repeat(9_000)
    const entries = entriesOf(`# E\n\n${emoji}`)
    expect(entries.length).toBe(3)
    for (const e of entries) {
      expect(e.q.length + e.a.length).toBeLessThanOrEqual(MAX_ENTRY_CHARS)
      expect(e.a).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/)
    }
    expect(entries.map((e) => e.a).join('')).toBe(emoji)
  })

  it('keeps long headings and keys within the limit', () => {
    const key = `docs/${'deep/'.repeat(80)}x.md`
    const entries = docToEntries({ key, markdown: `# ${'H'.repeat(2_000)}\n\n${'word '.repeat(3_000)}`, digest, fallbackTitle: 'x' })
    for (const e of entries) {
      expect(e.q.length + e.a.length).toBeLessThanOrEqual(MAX_ENTRY_CHARS)
      expect(parseTag(e.q)?.key).toBe(key)
    }
  })

  it('gives the same entries for the same text (so the digest decides), and CRLF equals LF', () => {
    expect(entriesOf('# A\r\n\r\nb\r\n')).toEqual(entriesOf('# A\n\nb\n'))
  })
})

describe('tags', () => {
  it('round-trip, including keys with brackets, # and the separator', () => {
    for (const key of ['a.md', 'docs/we[ir]d #1 · x.md', 'x/y z.mdx']) {
      const q = `Question${formatTag({ key, index: 3, total: 7, digest })}`
      expect(parseTag(q)).toEqual({ key, index: 3, total: 7, digest })
    }
  })

  it('do not match ordinary questions', () => {
    for (const q of ['What are your opening hours?', 'Pricing [see docs]', 'x [a.md · 1/2 · XYZ]', 'x [a.md · 3/2 · abcdef012345]']) {
      expect(parseTag(q)).toBeUndefined()
    }
  })
})

describe('owned entries', () => {
  const NS = 'octo/docs'
  const e = (id: number, q: string) => ({ id: String(id), question: q, answer: 'a' })
  const tagged = (id: number, index: number, total: number, d = digest, key = 'a.md', ns = NS) =>
    e(id, `Q${formatTag({ key: `${ns}/${key}`, index, total, digest: d })}`)

  it('groups by doc key, ignoring manual entries', () => {
    const groups = ownedByKey([e(1, 'Manual?'), tagged(2, 1, 2), tagged(3, 1, 1, digest, 'b.md'), tagged(4, 2, 2)], NS)
    expect([...groups.keys()]).toEqual(['a.md', 'b.md'])
    expect(groups.get('a.md')!.entries.map((x) => x.entry.id)).toEqual(['2', '4'])
  })

  it("owns only its namespace's entries: another repository's, and 1.0's untagged-by-namespace ones, are not ours", () => {
    const entries = [
      tagged(1, 1, 1, digest, 'docs/index.md'),
      tagged(2, 1, 1, digest, 'docs/index.md', 'octo/other'),
      tagged(3, 1, 1, digest, 'docs/index.md', 'octo/docs-old'),
      e(4, `Q${formatTag({ key: 'docs/index.md', index: 1, total: 1, digest })}`),
      e(5, `Q${formatTag({ key: '/octo/docs/docs/echoed.md', index: 1, total: 1, digest })}`)
    ]
    const groups = ownedByKey(entries, NS)
    expect([...groups.keys()].sort()).toEqual(['docs/echoed.md', 'docs/index.md'])
    expect(groups.get('docs/index.md')!.entries.map((x) => x.entry.id)).toEqual(['1'])
    expect([...ownedByKey(entries, 'octo/other').keys()]).toEqual(['docs/index.md'])
    expect(
      ownedByKey(entries, 'octo/other')
        .get('docs/index.md')!
        .entries.map((x) => x.entry.id)
    ).toEqual(['2'])
  })

  it('has a settled digest only for exactly one complete version', () => {
    const settled = ownedByKey([tagged(1, 1, 2), tagged(2, 2, 2)], NS).get('a.md')!
    expect(settled.settledDigest()).toBe(digest)
    const partial = ownedByKey([tagged(1, 1, 2)], NS).get('a.md')!
    expect(partial.settledDigest()).toBeUndefined()
    const twoVersions = ownedByKey([tagged(1, 1, 1, '111111111111'), tagged(2, 1, 1)], NS).get('a.md')!
    expect(twoVersions.settledDigest()).toBeUndefined()
    expect(twoVersions.complete(digest, 1)?.get(1)?.id).toBe('2')
    const duplicated = ownedByKey([tagged(1, 1, 1), tagged(2, 1, 1)], NS).get('a.md')!
    expect(duplicated.settledDigest()).toBeUndefined()
    expect(duplicated).toBeInstanceOf(OwnedEntries)
  })
})

describe('helpers', () => {
  it('splitText prefers paragraph, then line, then space boundaries', () => {
    const text = `${'a'.repeat(150)}\n\n${'b'.repeat(40)}\n${'c'.repeat(40)} ${'d'.repeat(100)}`
    const parts = splitText(text, 200)
    expect(parts[0]).toBe('a'.repeat(150))
    expect(parts.every((p) => p.length <= 200)).toBe(true)
    expect(squash(parts.join(''))).toBe(squash(text))
  })

  it('batches at 100', () => {
    expect(batches(Array.from({ length: 250 }, (_, i) => i)).map((b) => b.length)).toEqual([100, 100, 50])
  })
})
