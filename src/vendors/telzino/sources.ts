/**
 * Reading Telzino's sources listing, and telling a duplicate answer from a created source. The
 * docs show the listing as one `{data: [...]}` and document a generic `?page&limit` pagination
 * (`pagination: {page, limit, total, totalPages, hasNext, hasPrev}`) without saying whether the
 * sources listing uses it; both are read here, page by page to the end. Each item is parsed on
 * its own: an odd one is reported and left alone, never fatal.
 */
import { ActionError } from '../../errors.js'
import { type HttpClient, type HttpResponse, isRecord } from '../../http.js'
import type { Log } from '../../log.js'
import { withSafeIds } from '../../path-segment.js'
import { Source, SourcePage } from './schema.js'

/** A listing that never ends (a cursor or page number that loops) must not hang the run. */
const MAX_PAGES = 10_000

export interface SourceListing {
  readonly sources: Source[]
  /** Pages read; 1 for a listing without `pagination`. */
  readonly pages: number
}

/**
 * Every source of the knowledge base at `path`, following `pagination` to the end. `reported`
 * keeps an odd item from being warned about on every listing of the run.
 */
export async function listSources(api: HttpClient, path: string, log: Log, reported: Set<string>): Promise<SourceListing> {
  const sources: Source[] = []
  const firstIds = new Set<string>()
  let page: number | undefined
  let limit: number | undefined
  for (let pages = 1; pages <= MAX_PAGES; pages++) {
    const body = await api.json(
      {
        method: 'GET',
        url: path,
        query: page === undefined ? undefined : { page, limit },
        operation: `list the sources of the knowledge base${page === undefined ? '' : ` (page ${page})`}`
      },
      SourcePage
    )
    const items = parseItems(body.data, log, reported)
    const first = items[0]?.id
    if (first !== undefined && firstIds.has(first)) {
      throw new ActionError(
        `Telzino answered page ${page} of the sources listing with a page it had already sent: it ignores \`page\`, so the listing cannot be read to its end.`,
        'The action relies on reading every source (to find its own); nothing was changed. Report this to Telzino support.'
      )
    }
    if (first !== undefined) firstIds.add(first)
    sources.push(...items)
    const p = body.pagination
    const current = p?.page ?? page ?? 1
    const more = p
      ? (p.hasNext ?? (p.totalPages !== undefined ? current < p.totalPages : body.data.length > 0 && p.total !== undefined && sources.length < p.total))
      : false
    if (!more || body.data.length === 0) return { sources, pages }
    page = current + 1
    limit = p?.limit ?? body.data.length
  }
  throw new ActionError(`Telzino's sources listing did not end after ${MAX_PAGES} pages; stopping rather than looping.`)
}

/** The listed items the action can read; the others are reported once and left alone. */
function parseItems(items: readonly unknown[], log: Log, reported: Set<string>): Source[] {
  const readable: Source[] = []
  for (const item of items) {
    const parsed = Source.safeParse(item)
    if (parsed.success) {
      readable.push(parsed.data)
      continue
    }
    const id = isRecord(item) && (typeof item.id === 'string' || typeof item.id === 'number') ? String(item.id) : JSON.stringify(item).slice(0, 80)
    if (reported.has(id)) continue
    reported.add(id)
    const field = parsed.error.issues[0]?.path.join('.') || 'the item'
    log.warning(
      `Telzino listed a source the action cannot read (${id}: ${field} is missing or of another type). It is left alone: never replaced or deleted; check it in Telzino.`
    )
  }
  return withSafeIds(
    readable,
    (s) => s.id,
    (s) => `the source ${JSON.stringify(s.name ?? s.url ?? '')}`,
    log,
    reported
  )
}

/**
 * What a create answer says about a duplicate `contentHash`. The docs say duplicates are detected
 * but not how they are answered: 409 is what the action was built on; a 400 whose message says
 * the content already exists, or a success that hands back a source the knowledge base already
 * held (`known`), mean the same.
 */
export function duplicateAnswer(res: HttpResponse, known: ReadonlySet<string>): { duplicate: true; sourceId?: string } | undefined {
  const body = jsonOf(res)
  if (res.status === 409) return { duplicate: true, sourceId: namedSource(body) }
  if (res.status === 400 && DUPLICATE_WORDS.test(messageOf(body))) return { duplicate: true, sourceId: namedSource(body) }
  if (res.status >= 200 && res.status < 300) {
    const id = namedSource(body)
    if (id !== undefined && known.has(id)) return { duplicate: true, sourceId: id }
  }
  return undefined
}

const DUPLICATE_WORDS = /duplicate|already exists|already in|same content|content ?hash/i

function jsonOf(res: HttpResponse): unknown {
  try {
    return JSON.parse(res.text()) as unknown
  } catch {
    return undefined
  }
}

function messageOf(body: unknown): string {
  if (!isRecord(body)) return ''
  return [body.message, body.error, body.code, isRecord(body.error) ? body.error.message : undefined].filter((v) => typeof v === 'string').join(' ')
}

/** The source an answer names, where Telzino puts it (the duplicate body is undocumented). */
function namedSource(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined
  const id = body.sourceId ?? (isRecord(body.data) ? body.data.sourceId : undefined) ?? (isRecord(body.details) ? body.details.sourceId : undefined)
  return typeof id === 'string' ? id : undefined
}
