/**
 * The Staffify Knowledge Bases API calls the adapter makes, with error messages in the user's
 * terms. Docs: shared/vendor-docs/staffify-knowledge-bases.txt.
 */
import { ActionError } from '../../errors.js'
import { HttpClient, isRecord, staticTokens, truncate } from '../../http.js'
import type { Log } from '../../log.js'
import { pathSegment, withSafeIds } from '../../path-segment.js'
import { registerSecret } from '../../secrets.js'
import { writeUnlessLanded } from '../lost-answer.js'
import type { QaEntry } from './entries.js'
import { Added, Entry, EntryPage, KbCreated, KbList, KbOne, type KnowledgeBase, Retried } from './schema.js'

/** Pages we read at most from one listing; a cursor that never ends must not hang the run. */
const MAX_PAGES = 10_000

export interface StaffifyApiOptions {
  apiKey: string
  apiUrl: string
  projectId: string
  log: Log
}

export class StaffifyApi {
  readonly http: HttpClient
  private readonly log: Log
  /** Entry ids already reported as unusable in a URL, so each listing does not warn again. */
  private readonly reportedIds = new Set<string>()

  constructor(opts: StaffifyApiOptions) {
    this.log = opts.log
    registerSecret(opts.apiKey)
    const tokens = staticTokens(opts.apiKey)
    this.http = new HttpClient({
      vendor: 'Staffify',
      baseUrl: opts.apiUrl,
      tokens,
      log: opts.log,
      timeoutMs: 30_000,
      defaultHeaders: opts.projectId ? { 'x-project-id': opts.projectId } : undefined,
      describeError,
      hintFor
    })
  }

  /** One cheap authenticated read: proves the key before anything else happens. */
  async checkKey(): Promise<void> {
    await this.http.json({ method: 'GET', url: '/knowledge-bases', query: { limit: 1 }, operation: 'check the API key' }, KbList)
  }

  async getKnowledgeBase(id: string): Promise<KnowledgeBase | undefined> {
    const res = await this.http.request({
      method: 'GET',
      url: `/knowledge-bases/${encodeURIComponent(id)}`,
      operation: `look up knowledge base ${id}`,
      accept: [404]
    })
    if (res.status === 404) return undefined
    return this.http.parse({ method: 'GET', url: '', operation: `look up knowledge base ${id}` }, res, KbOne).knowledge_base
  }

  async *knowledgeBases(): AsyncGenerator<KnowledgeBase> {
    let after: string | undefined
    const seen = new Set<string>()
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = await this.http.json({ method: 'GET', url: '/knowledge-bases', query: { limit: 100, after }, operation: 'list knowledge bases' }, KbList)
      yield* body.knowledge_bases
      const next = body.next_cursor
      if (!next || body.knowledge_bases.length === 0 || seen.has(next)) return
      seen.add(next)
      after = next
    }
  }

  /** Creates a knowledge base; called only when none has this name, so one found after a lost answer is ours. */
  async createKnowledgeBase(name: string, description: string): Promise<KnowledgeBase> {
    const operation = `create knowledge base "${name}"`
    return writeUnlessLanded({
      // Names are not unique in Staffify: a blind second create would make a second knowledge base.
      write: () => this.http.json({ method: 'POST', url: '/knowledge-bases', json: { name, ...(description ? { description } : {}) }, operation }, KbCreated),
      landed: async () => {
        for await (const kb of this.knowledgeBases()) if (kb.name === name) return kb
        return undefined
      },
      what: operation,
      log: this.log
    })
  }

  /** Every entry of a knowledge base, following the cursor to the end. */
  async entries(kbId: string): Promise<Entry[]> {
    const out: Entry[] = []
    let after: string | undefined
    const seen = new Set<string>()
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = await this.http.json(
        {
          method: 'GET',
          url: `/knowledge-bases/${pathSegment(kbId, 'knowledge base id')}/entries`,
          query: { limit: 100, after },
          operation: 'list knowledge base entries'
        },
        EntryPage
      )
      out.push(
        ...withSafeIds(
          this.readableEntries(body.entries),
          (e) => e.id,
          (e) => `the entry ${JSON.stringify(e.question.slice(0, 80))}`,
          this.log,
          this.reportedIds
        )
      )
      // Without a next_cursor but with has_more, the last id is the only cursor there is.
      const last = body.entries.at(-1)
      const lastId = isRecord(last) && (typeof last.id === 'string' || typeof last.id === 'number') ? String(last.id) : undefined
      const next = body.next_cursor ?? (body.has_more === true ? lastId : undefined)
      if (body.has_more === false || !next || body.entries.length === 0) return out
      if (seen.has(next)) throw new ActionError('Staffify returned the same entries page twice while listing; stopping rather than looping.')
      seen.add(next)
      after = next
    }
    return out
  }

  /** The listed entries the action can read; an odd one is reported once and left alone (never changed or deleted). */
  private readableEntries(items: readonly unknown[]): Entry[] {
    const out: Entry[] = []
    for (const item of items) {
      const parsed = Entry.safeParse(item)
      if (parsed.success) {
        out.push(parsed.data)
        continue
      }
      const id = isRecord(item) && item.id !== undefined ? String(item.id) : JSON.stringify(item).slice(0, 80)
      if (this.reportedIds.has(id)) continue
      this.reportedIds.add(id)
      const field = parsed.error.issues[0]?.path.join('.') || 'the item'
      this.log.warning(
        `Staffify listed an entry the action cannot read (${id}: ${field} is missing or of another type). It is left alone; check it in Staffify.`
      )
    }
    return out
  }

  /** Adds up to 100 entries; throws unless Staffify says it added all of them. */
  async addEntries(kbId: string, entries: readonly QaEntry[], what: string): Promise<void> {
    const body = await this.http.json(
      {
        method: 'POST',
        url: `/knowledge-bases/${pathSegment(kbId, 'knowledge base id')}/entries`,
        json: entries,
        operation: `add ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} for ${what}`
      },
      Added
    )
    if (body.added !== entries.length) {
      throw new ActionError(`Staffify added ${body.added} of ${entries.length} entries for ${what}.`, 'The previous version was kept; the next run retries.')
    }
  }

  /** Deletes an entry; returns false when Staffify answered 404 (the caller confirms it is gone by listing). */
  async deleteEntry(kbId: string, entryId: string, what: string): Promise<boolean> {
    const res = await this.http.request({
      method: 'DELETE',
      url: `/knowledge-bases/${pathSegment(kbId, 'knowledge base id')}/entries/${pathSegment(entryId, 'entry id')}`,
      operation: `delete entry ${entryId} of ${what}`,
      accept: [404]
    })
    return res.status !== 404
  }

  async retryEmbedding(kbId: string, entryId: string, what: string): Promise<boolean> {
    const body = await this.http.json(
      {
        method: 'POST',
        url: `/knowledge-bases/${pathSegment(kbId, 'knowledge base id')}/entries/${pathSegment(entryId, 'entry id')}/retry-embedding`,
        operation: `retry the embedding of entry ${entryId} of ${what}`,
        idempotent: true
      },
      Retried
    )
    return body.retried
  }
}

/** Staffify errors are `{code, message, details?}`; the API overview shows `{error, code}` instead. */
export function describeError(_status: number, body: unknown, text: string): string | undefined {
  if (!isRecord(body)) return text.trim() ? truncate(text) : undefined
  const message = typeof body.message === 'string' ? body.message : typeof body.error === 'string' ? body.error : undefined
  const code = typeof body.code === 'string' ? body.code : undefined
  if (!message && !code) return undefined
  return truncate(code && message ? `${message} (${code})` : (message ?? code!))
}

export function hintFor(status: number, body: unknown): string | undefined {
  const code = isRecord(body) && typeof body.code === 'string' ? body.code : ''
  const message = isRecord(body) ? String(body.message ?? body.error ?? '') : ''
  if (status === 401 || code === 'INVALID_API_KEY' || code === 'MISSING_API_KEY') {
    return 'Check the `api-key` secret: it must be a live Staffify API key (sfy_live_…), or an organization key (sfy_org_…) with `project-id` set.'
  }
  if (code === 'READ_ONLY_KEY') {
    return 'The `api-key` is read-only: create a key with write access in Staffify and store it in the secret. Nothing was changed.'
  }
  if (status === 402 || code === 'INSUFFICIENT_CREDITS') {
    return 'Your Staffify organization has run out of credits: top up in Staffify billing, then re-run. The previous version of each doc was kept.'
  }
  if (status === 403 && /limit|cap|plan/i.test(`${code} ${message}`)) {
    return "Your Staffify plan's entry limit is reached: delete entries you no longer need or upgrade the plan, then re-run. The previous version of each doc was kept."
  }
  if (status === 403) return "The API key is not allowed to do this: check its permissions and the knowledge base's project."
  if (status === 429 && code === 'AUTH_RATE_LIMITED') return 'Too many failed sign-ins from this runner: fix the `api-key` and wait 15 minutes.'
  return undefined
}
