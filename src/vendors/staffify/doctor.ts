/**
 * `mode: doctor` for Staffify. The docs cover the API well (NOTES §3); what they leave open is
 * whether a question comes back byte for byte (the action finds its entries by a tag at the end of
 * each question), how soon an entry has its embedding, and what the 8,000-character limit counts.
 * One canary entry and two size probes, all tagged with the canary's path, show it.
 */
import { removeCanaries } from '../../doctor/cleanup.js'
import { describeShape, jsonBody } from '../../doctor/paging.js'
import { duration, pollUntil } from '../../doctor/poll.js'
import type { DoctorSession } from '../../doctor/session.js'
import type { DoctorEnv, VendorDoctor } from '../../doctor/contract.js'
import type { Assumption, Leftover } from '../../doctor/types.js'
import { isRecord, type HttpClient, type HttpRequest } from '../../http.js'
import { pathSegment, unsafeSegment } from '../../path-segment.js'
import type { StoreInfo } from '../types.js'
import { StaffifyApi, describeError } from './api.js'
import { DIGEST_CHARS, MAX_ENTRY_CHARS, formatTag, parseTag } from './entries.js'
import { staffifySettings } from './settings.js'

const ASSUMPTIONS: readonly Assumption[] = [
  { id: 'entries-paging', text: 'The entries listing pages by `next_cursor` and `has_more`, and following them reaches the end', source: '[doc] SF-KB' },
  { id: 'entry-fields', text: 'Every listed entry has an `id`, and its `question` is text', source: '[doc] SF-KB' },
  { id: 'add-count', text: '`POST …/entries` answers `{added: N}`, N being the number of entries sent', source: '[doc] SF-KB' },
  { id: 'tag-intact', text: 'A question comes back exactly as sent, so the tag `[path · n/m · hash]` at its end is found again', source: '[gap]' },
  { id: 'embedding', text: 'An added entry is listed with its embedding (`has_embedding: true`) at once', source: '[doc] SF-KB ("synchronously-ish")' },
  { id: 'entry-limit', text: 'An entry over 8,000 characters (question + answer) is refused', source: '[doc] SF-KB' },
  { id: 'limit-unit', text: 'The 8,000 limit counts characters, not bytes', source: '[gap]' },
  { id: 'delete-entry', text: '`DELETE …/entries/{id}` removes the entry from the listing', source: '[doc] SF-KB' }
]

/** Pages read at most from one listing; a cursor that never ends must not hang the run. */
const MAX_PAGES = 10_000
/** How long the doctor waits for the canary's embedding. */
const EMBEDDING_WAIT_MS = 120_000

type Entry = Record<string, unknown>

export function staffifyDoctor(env: DoctorEnv): VendorDoctor {
  return new StaffifyDoctor(env)
}

class StaffifyDoctor implements VendorDoctor {
  readonly assumptions = ASSUMPTIONS
  private readonly env: DoctorEnv
  private readonly http: HttpClient
  private readonly tag: string

  constructor(env: DoctorEnv) {
    this.env = env
    const settings = staffifySettings(env.settings)
    this.http = new StaffifyApi({ apiKey: settings.apiKey, apiUrl: settings.apiUrl, projectId: settings.projectId, log: env.log }).http
    this.tag = formatTag({ key: env.canary.key, index: 1, total: 1, digest: env.canary.digests.sha256.slice(0, DIGEST_CHARS) })
  }

  /** Every entry, following the cursor, and how the paging went. */
  private async entries(kb: string): Promise<{ items: unknown[]; pages: number; followedToEnd: boolean; note: string }> {
    const items: unknown[] = []
    const seen = new Set<string>()
    let after: string | undefined
    for (let pages = 1; pages <= MAX_PAGES; pages++) {
      const res = await this.http.request({
        method: 'GET',
        url: `/knowledge-bases/${pathSegment(kb, 'knowledge base id')}/entries`,
        query: { limit: 100, after },
        operation: `list knowledge base entries (page ${pages})`
      })
      const body = jsonBody(res)
      if (!isRecord(body) || !Array.isArray(body.entries)) throw new Error(`the entries listing is ${describeShape(body)}, not { entries, next_cursor }`)
      items.push(...body.entries)
      const cursor = body.next_cursor === null || body.next_cursor === undefined || body.next_cursor === '' ? undefined : String(body.next_cursor)
      if (body.has_more === false || body.entries.length === 0 || (!cursor && body.has_more !== true)) {
        return { items, pages, followedToEnd: true, note: `${pages} page${pages === 1 ? '' : 's'} of up to 100, cursor followed to the end` }
      }
      if (!cursor) return { items, pages, followedToEnd: false, note: `page ${pages} says has_more but gives no next_cursor` }
      if (seen.has(cursor)) return { items, pages, followedToEnd: false, note: `page ${pages} gave a cursor already followed` }
      seen.add(cursor)
      after = cursor
    }
    return { items, pages: MAX_PAGES, followedToEnd: false, note: `stopped after ${MAX_PAGES} pages` }
  }

  async list(store: StoreInfo, s: DoctorSession): Promise<void> {
    const read = await this.entries(store.id)
    Object.assign(s.listing, { total: read.items.length, pages: read.pages, paged: true, followedToEnd: read.followedToEnd, note: read.note })
    if (read.followedToEnd) s.held('entries-paging', read.note)
    else s.notHeld('entries-paging', read.note)
    const odd = read.items.map((e) => ({ e, why: oddEntry(e) })).filter((x): x is { e: unknown; why: string } => x.why !== undefined)
    for (const { e, why } of odd) s.listing.odd.push({ ...(isRecord(e) && e.id !== undefined ? { id: String(e.id) } : {}), why })
    if (read.items.length > 0) {
      if (odd.length === 0) s.held('entry-fields', `all ${read.items.length} entries`)
      else s.notHeld('entry-fields', `${odd.length} of ${read.items.length} entries are odd: ${[...new Set(odd.map((o) => o.why))].slice(0, 3).join('; ')}`)
    }
  }

  private add(kb: string, entries: Array<{ q: string; a: string }>, what: string, accept: number[] = []): HttpRequest {
    return { method: 'POST', url: `/knowledge-bases/${pathSegment(kb, 'knowledge base id')}/entries`, json: entries, operation: `add the ${what}`, accept }
  }

  private async canaryEntries(kb: string): Promise<Entry[]> {
    return (await this.entries(kb)).items.filter((e): e is Entry => isRecord(e) && typeof e.question === 'string' && e.question.includes(this.env.canary.runId))
  }

  async canary(store: StoreInfo, s: DoctorSession): Promise<void> {
    const kb = store.id
    const question = `Knowledge Sync doctor canary${this.tag}`
    await s.step('Add the canary entry', async () => {
      const res = await this.http.request(this.add(kb, [{ q: question, a: this.env.canary.text }], 'canary entry'))
      s.wrote('canary entry', this.env.canary.key)
      const body = jsonBody(res)
      if (isRecord(body) && body.added === 1) s.held('add-count', `HTTP ${res.status} {"added":1}`)
      else
        s.notHeld(
          'add-count',
          `HTTP ${res.status}, ${isRecord(body) && 'added' in body ? `added ${JSON.stringify(body.added)}` : describeShape(body)} for 1 entry`
        )
    })

    await s.step('Find the canary entry and its embedding', async () => {
      const started = Date.now()
      let first: Entry | undefined
      const { value: embedded, ms } = await pollUntil(
        async () => {
          const [entry] = await this.canaryEntries(kb)
          first ??= entry
          return entry && entry.has_embedding !== false ? entry : undefined
        },
        { waitMs: Math.min(this.env.waitMs, EMBEDDING_WAIT_MS), firstMs: this.env.pollMs }
      )
      const entry = embedded ?? first
      if (!entry) {
        s.notHeld('tag-intact', `no entry with the canary's tag was listed within ${duration(ms)}`)
        throw new Error('Staffify accepted the canary entry, but the listing never showed it')
      }
      s.observe('staffify.canary_entry', { id: entry.id, question: entry.question, has_embedding: entry.has_embedding ?? null })
      if (entry.question === question) s.held('tag-intact', `"${question}"`)
      else {
        const tag = parseTag(String(entry.question))
        s.notHeld(
          'tag-intact',
          `sent "${question}", listed as "${String(entry.question)}"`,
          tag?.key === this.env.canary.key ? 'the tag itself still reads back' : 'the action would not recognise the entry as its own'
        )
      }
      if (entry.has_embedding === undefined || entry.has_embedding === null) s.notHeld('embedding', 'the listing has no has_embedding field')
      else if (first?.has_embedding === true) s.held('embedding', 'true when first listed')
      else if (embedded)
        s.notHeld(
          'embedding',
          `false when first listed, true after ${duration(Date.now() - started)}`,
          'the action waits for pending embeddings (up to processing-timeout, 15 s at most) before it retries them and warns'
        )
      else s.notHeld('embedding', `still false after ${duration(ms)}`)
    })

    await s.step('Probe the entry size limit', async () => {
      const q = `Knowledge Sync doctor size probe${this.tag}`
      const over = await this.http.request(
        this.add(kb, [{ q, a: 'x'.repeat(MAX_ENTRY_CHARS + 1 - q.length) }], `${n(MAX_ENTRY_CHARS + 1)}-character size probe`, [400, 413, 422])
      )
      if (over.status >= 400) s.held('entry-limit', `${n(MAX_ENTRY_CHARS + 1)} characters refused: ${refusal(over)}`)
      else {
        s.wrote('size probe entry', `${n(MAX_ENTRY_CHARS + 1)} characters`)
        s.notHeld(
          'entry-limit',
          `${n(MAX_ENTRY_CHARS + 1)} characters accepted (HTTP ${over.status})`,
          'the action keeps entries within 8,000 characters anyway'
        )
      }
      // Two-byte characters: 8,000 of them are about 16,000 bytes of UTF-8.
      const a = 'é'.repeat(MAX_ENTRY_CHARS - q.length)
      const bytes = Buffer.byteLength(q + a)
      const wide = await this.http.request(this.add(kb, [{ q, a }], `${n(MAX_ENTRY_CHARS)}-character size probe`, [400, 413, 422]))
      if (wide.status < 400) {
        s.wrote('size probe entry', `${n(MAX_ENTRY_CHARS)} characters, ${n(bytes)} bytes`)
        s.held('limit-unit', `${n(MAX_ENTRY_CHARS)} characters in ${n(bytes)} bytes accepted`)
      } else {
        s.notHeld(
          'limit-unit',
          `${n(MAX_ENTRY_CHARS)} characters in ${n(bytes)} bytes refused: ${refusal(wide)}`,
          'the limit counts bytes: when an entry is refused as too long, the action sizes entries in UTF-8 bytes'
        )
      }
    })
  }

  async cleanUp(store: StoreInfo, s: DoctorSession): Promise<Leftover[]> {
    const kb = store.id
    const listed = async () => (await this.canaryEntries(kb)).map((e) => ({ id: String(e.id) }))
    return removeCanaries(
      {
        ids: (await listed()).map((e) => e.id),
        deleteOne: async (id) => {
          await this.http.request({
            method: 'DELETE',
            url: `/knowledge-bases/${pathSegment(kb, 'knowledge base id')}/entries/${pathSegment(id, 'entry id')}`,
            operation: `delete canary entry ${id}`,
            accept: [404]
          })
        },
        listed,
        check: 'delete-entry',
        noun: ['canary entry', 'canary entries'],
        what: () => 'canary entry',
        byHand: (id) => `delete entry ${id} of knowledge base ${kb} in Staffify (its question ends with ${this.tag.trim()})`,
        waitMs: this.env.waitMs,
        pollMs: this.env.pollMs
      },
      s
    )
  }
}

/** 8,000 as the docs write it. */
function n(value: number): string {
  return value.toLocaleString('en-US')
}

function refusal(res: { status: number; text(): string }): string {
  return `HTTP ${res.status}, ${describeError(res.status, jsonBody(res), res.text()) ?? 'no details'}`
}

/** Why the action cannot read this listed entry, or undefined when it can. */
function oddEntry(item: unknown): string | undefined {
  if (!isRecord(item)) return `an item that is ${describeShape(item)}, not an object`
  if (!(typeof item.id === 'string' && item.id !== '') && typeof item.id !== 'number') return 'no id'
  const unsafe = unsafeSegment(String(item.id))
  if (unsafe) return `its id cannot be used in a URL (${unsafe})`
  if (item.question !== undefined && item.question !== null && typeof item.question !== 'string') return `question is ${typeof item.question}`
  return undefined
}
