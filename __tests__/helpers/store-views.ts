/**
 * Each emulated vendor's store seen the way the vendor keeps a doc, read from the emulator's own
 * state rather than through the adapter under test: StackSpot objects by file_path and checksum,
 * Staffify entries regrouped per doc key from their tags, Telzino file sources by name and bytes,
 * Castrel active entries by their path label (tombstones count as absent). Also the content a
 * person made by hand in each store, seeded before any run, and a fingerprint of every item so
 * a test can tell that none of it changed.
 */
import { createHash } from 'node:crypto'
import { DEMO_ACCOUNTS, demoInputs } from '../../emulator/demo-accounts.ts'
import type { FullEmulator } from '../../emulator/vendors/index.ts'
import type { StackspotSeed } from '../../emulator/vendors/stackspot/index.ts'
import { LABEL_MANAGED_BY, LABEL_PATH, LABEL_REPO, LABEL_STATUS, MANAGED_BY } from '../../src/vendors/castrel/adapter.ts'
import { DIGEST_CHARS, docToEntries, parseTag, titleFromPath } from '../../src/vendors/staffify/entries.ts'

export const SYNC_VENDORS = ['stackspot', 'staffify', 'telzino', 'castrel'] as const
export type SyncVendor = (typeof SYNC_VENDORS)[number]

/** The repository every sequence syncs from (`owner/name`); Castrel scopes the action's entries by it. */
export const REPOSITORY = 'octo/docs'

/** The store every run of a test syncs into (Castrel has none: its entries live on the instance). */
export const STORE_NAME = { stackspot: 'convergence', staffify: 'Convergence docs', telzino: 'Convergence docs', castrel: '' } as const

/** One doc as the store holds it. */
export interface HeldDoc {
  readonly name: string
  /** Undefined when the store holds exactly `content` for the repository file `path`, once; else what differs. */
  differs(content: Buffer, path: string): string | undefined
  /** Whether a complete copy of `content` is among what the store holds under this name (extra copies allowed). */
  holds(content: Buffer, path: string): boolean
}

export interface StoreReading {
  /** The action's docs by the name the store shows. */
  readonly held: ReadonlyMap<string, HeldDoc>
  /** Duplicates and items that are neither made by hand nor recognisably the action's. */
  readonly problems: readonly string[]
}

export interface StoreView {
  readonly vendor: SyncVendor
  /** The inputs of a run against this store (emulator URLs, demo credentials, the store's name). */
  inputs(extra?: Record<string, string>): Record<string, string>
  /**
   * Makes the store with content a person added by hand: never the action's to change.
   * `unattributed` adds a StackSpot object uploaded without a path, which rules out auto-delete.
   */
  seedByHand(opts?: { unattributed?: boolean }): void
  /** Every item in the store by id, as a string that changes when anything about the item does. */
  fingerprints(): Map<string, string>
  /** What the store holds for the action, leaving out the items in `others` (by id). */
  read(others: ReadonlySet<string>): StoreReading
  /** Whether the vendor can hold the doc at all (Staffify cannot hold a doc without text, such as an empty one). */
  takes(content: Buffer, path: string): boolean
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')
const preview = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s)

/** Groups items per name; a name held more than once is reported as a duplicate. */
function byName<T>(items: Iterable<{ name: string; item: T }>, what: string, problems: string[]): Map<string, [T, ...T[]]> {
  const groups = new Map<string, [T, ...T[]]>()
  for (const { name, item } of items) {
    const list = groups.get(name)
    if (list) list.push(item)
    else groups.set(name, [item])
  }
  for (const [name, list] of groups) if (list.length > 1) problems.push(`duplicate: ${list.length} ${what} for ${JSON.stringify(name)}`)
  return groups
}

export function storeView(emu: FullEmulator, vendor: SyncVendor): StoreView {
  switch (vendor) {
    case 'stackspot':
      return stackspotView(emu)
    case 'staffify':
      return staffifyView(emu)
    case 'telzino':
      return telzinoView(emu)
    case 'castrel':
      return castrelView(emu)
  }
}

function stackspotView(emu: FullEmulator): StoreView {
  const slug = STORE_NAME.stackspot
  const objects = () =>
    emu
      .vendor('stackspot')
      .state()
      .knowledgeSources.find((k) => k.slug === slug)?.objects ?? []
  return {
    vendor: 'stackspot',
    inputs: (extra = {}) => demoInputs('stackspot', emu.url, { 'knowledge-base': slug, ...extra }),
    seedByHand(opts = {}) {
      const made: NonNullable<StackspotSeed['knowledgeSources']>[number]['objects'] & object = [
        { file_path: null, content: 'A note typed into the StackSpot portal.' },
        // A person uploaded a file with the very path of a synced doc: still theirs.
        { file_path: 'docs/index.md', content: 'Uploaded by hand under a synced doc’s path.', standalone: true },
        { file_path: 'handbook/policy.md', content: 'Uploaded by hand.', standalone: true }
      ]
      // An uploaded object without a path cannot be attributed; the action must then never let the vendor auto-delete.
      if (opts.unattributed) made.push({ file_path: null, content: 'Uploaded without a file path.', standalone: false })
      emu.vendor('stackspot').seed({ settings: { newKsDelayMs: 0 }, knowledgeSources: [{ slug, name: 'Convergence', objects: made }] })
    },
    fingerprints: () => new Map(objects().map((o) => [o.id, JSON.stringify([o.file_path, o.checksum, o.standalone, o.origin, o.content, o.updated_at])])),
    read(others) {
      const problems: string[] = []
      const ours: Array<{ name: string; item: ReturnType<typeof objects>[number] }> = []
      for (const o of objects()) {
        if (others.has(o.id)) continue
        if (o.standalone || !o.file_path)
          problems.push(`object ${o.id} (${o.file_path ?? 'no path'}, standalone ${o.standalone}) was not made by hand and is not a synced doc`)
        else ours.push({ name: o.file_path, item: o })
      }
      const held = new Map<string, HeldDoc>()
      for (const [name, [o, ...more]] of byName(ours, 'objects', problems)) {
        held.set(name, {
          name,
          differs: (content) =>
            o.checksum === sha256(content)
              ? undefined
              : `holds ${o.size} bytes ${preview(o.content ?? '')}, expected ${content.length} bytes ${preview(content.toString('utf8'))}`,
          holds: (content) => [o, ...more].some((x) => x.checksum === sha256(content))
        })
      }
      return { held, problems }
    },
    takes: () => true
  }
}

function staffifyView(emu: FullEmulator): StoreView {
  const name = STORE_NAME.staffify
  const entries = () =>
    emu
      .vendor('staffify')
      .state()
      .knowledgeBases.find((k) => k.name === name)?.entries ?? []
  return {
    vendor: 'staffify',
    inputs: (extra = {}) => demoInputs('staffify', emu.url, { 'knowledge-base': name, ...extra }),
    seedByHand() {
      emu.vendor('staffify').seed({
        // A sequence makes a few hundred requests; the default plan limit would only slow it down.
        rateLimit: { limit: 1_000_000 },
        knowledgeBases: [
          {
            name,
            entries: [
              { q: 'What are the office hours?', a: 'Nine to five, Monday to Friday.' },
              { q: 'docs/index.md', a: 'A person typed a doc path as the question.' },
              { q: 'Almost a tag [docs/index.md · 1/1]', a: 'No digest, so not the action’s.' },
              { q: 'Crawled page', a: 'From the website.', source_type: 'crawl' }
            ]
          }
        ]
      })
    },
    fingerprints: () => new Map(entries().map((e) => [String(e.id), JSON.stringify([e.question, e.answer, e.source_type])])),
    read(others) {
      const problems: string[] = []
      const groups = new Map<string, Array<{ id: number; q: string; a: string; index: number }>>()
      for (const e of entries()) {
        if (others.has(String(e.id))) continue
        const tag = parseTag(e.question)
        if (!tag) {
          problems.push(`entry ${e.id} ${preview(e.question)} was not made by hand and carries no tag`)
          continue
        }
        groups.set(tag.key, [...(groups.get(tag.key) ?? []), { id: e.id, q: e.question, a: e.answer, index: tag.index }])
      }
      const held = new Map<string, HeldDoc>()
      for (const [key, list] of groups) {
        const actual = [...list].sort((x, y) => x.index - y.index || x.id - y.id)
        held.set(key, {
          name: key,
          differs(content, path) {
            const markdown = content.toString('utf8')
            const expected = docToEntries({ key, markdown, digest: sha256(content).slice(0, DIGEST_CHARS), fallbackTitle: titleFromPath(path) })
            if (actual.length !== expected.length)
              return `holds ${actual.length} entries, expected ${expected.length} (${actual.map((e) => preview(e.q)).join(', ')})`
            const i = expected.findIndex((e, n) => e.q !== actual[n]!.q || e.a !== actual[n]!.a)
            return i === -1
              ? undefined
              : `entry ${i + 1} is ${preview(actual[i]!.q)} / ${preview(actual[i]!.a)}, expected ${preview(expected[i]!.q)} / ${preview(expected[i]!.a)}`
          },
          holds(content, path) {
            const expected = docToEntries({
              key,
              markdown: content.toString('utf8'),
              digest: sha256(content).slice(0, DIGEST_CHARS),
              fallbackTitle: titleFromPath(path)
            })
            return expected.every((e) => actual.some((x) => x.q === e.q && x.a === e.a))
          }
        })
      }
      return { held, problems }
    },
    takes: (content, path) =>
      content.length > 0 &&
      docToEntries({ key: path, markdown: content.toString('utf8'), digest: sha256(content).slice(0, DIGEST_CHARS), fallbackTitle: titleFromPath(path) })
        .length > 0
  }
}

function telzinoView(emu: FullEmulator): StoreView {
  const name = STORE_NAME.telzino
  const sources = () =>
    emu
      .vendor('telzino')
      .state()
      .knowledgeBases.find((k) => k.name === name)?.sources ?? []
  return {
    vendor: 'telzino',
    inputs: (extra = {}) => demoInputs('telzino', emu.url, { 'knowledge-base': name, ...extra }),
    seedByHand() {
      emu.vendor('telzino').seed({
        knowledgeBases: [
          {
            name,
            organization_id: DEMO_ACCOUNTS.telzino.organizationId,
            sources: [
              { name: 'handbook.pdf', content: '%PDF-1.7 uploaded by hand', fileMime: 'application/pdf' },
              { name: 'https://example.com/faq', source_type: 'url', url: 'https://example.com/faq' },
              // A plain file name, and one whose repository only starts like ours: neither is the action's.
              { name: 'docs/index.md', content: 'Uploaded by hand under a synced doc’s path.' },
              { name: 'octo/docs-archive/docs/index.md', content: 'Another repository whose name starts like ours.' }
            ]
          }
        ]
      })
    },
    fingerprints: () => new Map(sources().map((s) => [s.id, JSON.stringify([s.name, s.source_type, s.status, s.url, s.size, s.content])])),
    read(others) {
      const problems: string[] = []
      const ours: Array<{ name: string; item: ReturnType<typeof sources>[number] }> = []
      for (const s of sources()) {
        if (others.has(s.id)) continue
        if (s.source_type !== 'file') problems.push(`${s.source_type} source ${s.id} ${preview(s.name)} was not made by hand`)
        else ours.push({ name: s.name, item: s })
      }
      const held = new Map<string, HeldDoc>()
      const complete = (s: ReturnType<typeof sources>[number], content: Buffer) =>
        s.status === 'active' && s.size === content.length && s.content === content.toString('utf8')
      for (const [n, [s, ...more]] of byName(ours, 'sources', problems)) {
        held.set(n, {
          name: n,
          differs(content) {
            if (s.status !== 'active') return `source ${s.id} is ${s.status}, not active`
            return complete(s, content)
              ? undefined
              : `holds ${s.size ?? 'no'} bytes ${preview(s.content ?? '')}, expected ${content.length} bytes ${preview(content.toString('utf8'))}`
          },
          holds: (content) => [s, ...more].some((x) => complete(x, content))
        })
      }
      return { held, problems }
    },
    takes: () => true
  }
}

function castrelView(emu: FullEmulator): StoreView {
  const entries = () => emu.vendor('castrel').state().entries
  return {
    vendor: 'castrel',
    inputs: (extra = {}) => demoInputs('castrel', emu.url, extra),
    seedByHand() {
      const doc = (content: string) => ({ type: 'document', trigger: 'always', trigger_config: {}, data: { document_content: content } })
      emu.vendor('castrel').seed({
        entries: [
          { name: 'Runbook', data: { content: 'Typed into the Castrel UI.' } },
          // Same name and trigger as the action's entry for docs/index.md: upsert would overwrite it.
          { name: 'docs/index.md', ...doc('A person used a doc path as the name.') },
          { name: 'Read-only note', ...doc('Nobody may change this.'), is_readonly: true },
          // Labelled by the action, but from another repository.
          {
            name: 'docs/index.md (octo/other)',
            ...doc('Synced from another repository.'),
            labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_REPO]: 'octo/other', [LABEL_PATH]: 'docs/index.md', [LABEL_STATUS]: 'active' }
          }
        ]
      })
    },
    fingerprints: () => new Map(entries().map((e) => [String(e.id), JSON.stringify(e)])),
    read(others) {
      const problems: string[] = []
      const ours: Array<{ name: string; item: ReturnType<typeof entries>[number] }> = []
      for (const e of entries()) {
        if (others.has(String(e.id))) continue
        const labels = e.labels ?? {}
        if (labels[LABEL_MANAGED_BY] !== MANAGED_BY || labels[LABEL_REPO] !== REPOSITORY || typeof labels[LABEL_PATH] !== 'string') {
          problems.push(`entry ${e.id} ${preview(e.name)} was not made by hand and is not labelled as a synced doc`)
          continue
        }
        // Castrel's API cannot delete: a removed doc is an entry marked removed, which counts as absent.
        if (labels[LABEL_STATUS] === 'removed') continue
        ours.push({ name: labels[LABEL_PATH], item: e })
      }
      const held = new Map<string, HeldDoc>()
      for (const [name, [e, ...more]] of byName(ours, 'active entries', problems)) {
        held.set(name, {
          name,
          differs(content) {
            const stored = e.data.document_content
            if (e.type !== 'document' || typeof stored !== 'string') return `entry ${e.id} is a ${e.type} entry without document_content`
            return stored === content.toString('utf8') ? undefined : `entry ${e.id} holds ${preview(stored)}, expected ${preview(content.toString('utf8'))}`
          },
          holds: (content) => [e, ...more].some((x) => x.type === 'document' && x.data.document_content === content.toString('utf8'))
        })
      }
      return { held, problems }
    },
    takes: () => true
  }
}
