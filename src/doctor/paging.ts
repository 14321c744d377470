/**
 * Reading a listing whose paging the vendor does not document: a plain array, or a wrapper
 * (`items`, `content`, `data`…) with page fields of any of the common spellings, at the top or in
 * a `pagination`/`page`/`meta` object. The doctor follows such pages to the end and says how.
 */
import { isRecord } from '../http.js'

const ITEM_KEYS = ['items', 'content', 'data', 'objects', 'results', 'sources', 'entries']
const PAGE_KEYS = ['page', 'number', 'page_number', 'pageNumber', 'current_page', 'currentPage', 'page_no']
const SIZE_KEYS = ['size', 'limit', 'page_size', 'pageSize', 'per_page']
const TOTAL_KEYS = ['total', 'totalElements', 'total_elements', 'totalItems', 'total_count']
const TOTAL_PAGES_KEYS = ['totalPages', 'total_pages']
const HAS_NEXT_KEYS = ['hasNext', 'has_next', 'has_more', 'hasMore']
const LAST_KEYS = ['last', 'isLast', 'is_last']

export interface PageInfo {
  readonly items: unknown[]
  /** Where the items were: `items`, `data`…; undefined for a plain array. */
  readonly itemKey?: string
  /** The answer is one page of a longer listing (it carries page fields), not a plain array. */
  readonly paged: boolean
  /** What the page fields say about a next page. */
  readonly next: 'more' | 'end' | 'unknown'
  readonly page?: number
  readonly zeroBased: boolean
  readonly size?: number
  readonly total?: number
  /** The page fields as the vendor sent them, for the report. */
  readonly fields: Record<string, unknown>
}

export interface ListingRead {
  readonly items: unknown[]
  readonly pages: number
  readonly paged: boolean
  readonly followedToEnd: boolean
  /** How the listing looked, or why it could not be read to its end. */
  readonly note: string
}

/** One listing answer; undefined when it is neither an array nor a wrapper around one. */
export function readPage(body: unknown, readBefore = 0): PageInfo | undefined {
  if (Array.isArray(body)) return { items: body, paged: false, next: 'end', zeroBased: false, fields: {} }
  if (!isRecord(body)) return undefined
  const itemKey = ITEM_KEYS.find((k) => Array.isArray(body[k]))
  if (!itemKey) return undefined
  const items = body[itemKey] as unknown[]
  const fields: Record<string, unknown> = {}
  for (const holder of [body, body.pagination, body.page, body.meta, body.pageable]) {
    if (!isRecord(holder)) continue
    for (const [k, v] of Object.entries(holder)) {
      if (k !== itemKey && (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' || v === null)) fields[k] ??= v
    }
  }
  const num = (keys: string[]) => {
    const key = keys.find((k) => typeof fields[k] === 'number')
    return key === undefined ? undefined : { key, value: fields[key] as number }
  }
  const bool = (keys: string[]) => keys.map((k) => fields[k]).find((v): v is boolean => typeof v === 'boolean')
  const page = num(PAGE_KEYS)
  const size = num(SIZE_KEYS)
  const total = num(TOTAL_KEYS)
  const totalPages = num(TOTAL_PAGES_KEYS)
  const hasNext = bool(HAS_NEXT_KEYS)
  const last = bool(LAST_KEYS)
  const paged = [page, size, total, totalPages].some((f) => f !== undefined) || hasNext !== undefined || last !== undefined || typeof fields.next === 'string'
  // Spring pages count from 0 (`number`); most others from 1.
  const zeroBased = page?.key === 'number' || page?.value === 0
  let next: PageInfo['next'] = 'unknown'
  if (!paged || items.length === 0) next = 'end'
  else if (hasNext !== undefined) next = hasNext ? 'more' : 'end'
  else if (last !== undefined) next = last ? 'end' : 'more'
  else if (totalPages && page) next = (zeroBased ? page.value + 1 : page.value) < totalPages.value ? 'more' : 'end'
  else if (total) next = readBefore + items.length < total.value ? 'more' : 'end'
  return { items, itemKey, paged, next, page: page?.value, zeroBased, size: size?.value, total: total?.value, fields }
}

/**
 * Every item of a listing: the first answer, then (when it is a page) the following pages by
 * number until the page fields or an empty page say it ended. A server that answers the same page
 * again (it ignores the page parameter) is caught, not looped on.
 */
export async function readAllPages(
  fetchPage: (page: { number: number; size: number } | undefined) => Promise<unknown>,
  maxPages = 10_000
): Promise<ListingRead> {
  const firstBody = await fetchPage(undefined)
  const first = readPage(firstBody)
  if (!first) throw new Error(`the listing is neither a JSON array nor an object holding one (${describeShape(firstBody)})`)
  if (!first.paged) {
    const note = first.itemKey ? `one answer of ${first.items.length} in \`${first.itemKey}\`, no page fields` : `a plain JSON array of ${first.items.length}`
    return { items: first.items, pages: 1, paged: false, followedToEnd: true, note }
  }
  const items = [...first.items]
  const fields = Object.entries(first.fields)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')
  const size = first.size ?? Math.max(first.items.length, 1)
  let number = first.page ?? (first.zeroBased ? 0 : 1)
  const firstIds = new Set([itemId(first.items[0])])
  let pages = 1
  let next = first.next
  while (next !== 'end') {
    if (pages >= maxPages) return { items, pages, paged: true, followedToEnd: false, note: `pages (${fields}); stopped after ${maxPages} pages` }
    number++
    const page = readPage(await fetchPage({ number, size }), items.length)
    if (!page) return { items, pages, paged: true, followedToEnd: false, note: `pages (${fields}); page ${number} had another shape` }
    if (page.items.length === 0) break
    const id = itemId(page.items[0])
    if (id !== undefined && firstIds.has(id)) {
      return {
        items,
        pages,
        paged: true,
        followedToEnd: false,
        note: `pages (${fields}); page ${number} repeated an earlier page, so the server ignores the page parameter`
      }
    }
    firstIds.add(id)
    items.push(...page.items)
    pages++
    next = page.next
  }
  return { items, pages, paged: true, followedToEnd: true, note: `pages (${fields}); ${pages} pages followed to the end` }
}

function itemId(item: unknown): string | undefined {
  if (!isRecord(item)) return JSON.stringify(item)
  const id = item.id ?? item.public_id
  return id === undefined ? JSON.stringify(item) : String(id)
}

/** A short description of a body's shape for messages, never its content. */
export function describeShape(body: unknown): string {
  if (Array.isArray(body)) return `an array of ${body.length}`
  if (isRecord(body)) return `an object with ${Object.keys(body).slice(0, 8).join(', ') || 'no keys'}`
  return body === undefined ? 'not JSON' : typeof body
}

/** A response body as JSON, or undefined when it is not JSON. */
export function jsonBody(res: { text(): string }): unknown {
  try {
    return JSON.parse(res.text()) as unknown
  } catch {
    return undefined
  }
}
