/**
 * Reading a Knowledge Source's object listing to its end. Public clients see one JSON array; a
 * v2-style listing is paged (`page`/`size`, NOTES §1(b)), either in a wrapper with page fields or
 * as a bare page-sized array that says nothing of more pages. Taking a first page for the whole KS
 * would upload its other docs again and never delete them, so every shape is followed to its end.
 */
import { type ListingRead, readAllPages, readPage } from '../../doctor/paging.js'
import { isRecord } from '../../http.js'
import { type KnowledgeObject, parseObject } from './schema.js'

/** One answer of the listing: `page` undefined asks without paging parameters. */
export type FetchPage = (page: { number: number; size: number } | undefined) => Promise<unknown>

/**
 * A bare array of this many objects may be a server's first page: page sizes are round numbers
 * (10, 20, 50, 100… or a power of two). Any other count is a whole listing, since a paging server
 * fills its first page.
 */
export function mayBeFirstPage(count: number): boolean {
  return count >= 2 && (count % 5 === 0 || (count & (count - 1)) === 0)
}

/**
 * Reads listings, remembering across calls what the server showed of its paging, so a server that
 * ignores the paging parameters is asked once per run, not after every batch.
 */
export class ObjectPager {
  /** Asking a bare array for its second page answered the first again: the listing is never paged. */
  private ignoresPages = false

  async read(fetchPage: FetchPage): Promise<ListingRead> {
    let first: unknown
    const read = await readAllPages(async (page) => {
      const body = await fetchPage(page)
      if (!page) first = body
      return body
    })
    if (read.paged || !Array.isArray(first) || this.ignoresPages || !mayBeFirstPage(first.length)) return read
    return this.followBareArray(fetchPage, first)
  }

  /**
   * A bare array that may be page one. Whether pages count from 0 or 1 is unknown: asking `page=1`
   * tells (the same answer again: from 1, or no paging; new items: from 0).
   */
  private async followBareArray(fetchPage: FetchPage, first: unknown[]): Promise<ListingRead> {
    const size = first.length
    const firstId = itemId(first[0])
    const pageAt = async (number: number): Promise<unknown[] | undefined> => {
      const body = await fetchPage({ number, size })
      return Array.isArray(body) ? body : readPage(body)?.items
    }
    const plain = (note: string): ListingRead => ({ items: first, pages: 1, paged: false, followedToEnd: true, note })
    // Pages 1 and 2 are asked for at once: whichever way pages count, page 2 is needed unless page 1
    // ends the listing, and a round trip to a large KS costs more than a page that goes unread.
    const firstAsk = pageAt(1)
    const secondAsk = pageAt(2).then(
      (body) => ({ body }),
      (error: unknown) => ({ error })
    )
    const second = async (): Promise<unknown[] | undefined> => {
      const answer = await secondAsk
      if ('error' in answer) throw answer.error
      return answer.body
    }
    const one = await firstAsk
    if (one === undefined) return plain(`a plain JSON array of ${size} (asked for page 1, the answer had another shape)`)
    let number: number
    let base: 0 | 1
    let page: unknown[]
    if (one.length > 0 && itemId(one[0]) === firstId) {
      base = 1
      number = 2
      const two = await second()
      if (two === undefined) return plain(`a plain JSON array of ${size} (asked for page 2, the answer had another shape)`)
      if (two.length > 0 && itemId(two[0]) === firstId) {
        this.ignoresPages = true
        return plain(`a plain JSON array of ${size}; the paging parameters are ignored`)
      }
      page = two
    } else {
      base = 0
      number = 1
      page = one
    }
    const items = [...first]
    const seen = new Set([firstId])
    let pages = 1
    while (page.length > 0) {
      const id = itemId(page[0])
      if (seen.has(id)) {
        const note = `bare arrays of ${size} a page (page from ${base}); page ${number} repeated an earlier page`
        return { items, pages, paged: true, followedToEnd: false, note }
      }
      seen.add(id)
      items.push(...page)
      pages++
      if (page.length < size) break
      number++
      const next = number === 2 ? await second() : await pageAt(number)
      if (next === undefined)
        return { items, pages, paged: true, followedToEnd: false, note: `bare arrays of ${size} a page; page ${number} had another shape` }
      page = next
    }
    return { items, pages, paged: true, followedToEnd: true, note: `bare arrays of ${size} a page (page from ${base}); ${pages} pages followed to the end` }
  }
}

function itemId(item: unknown): string {
  return isRecord(item) && item.id !== undefined && item.id !== null ? String(item.id) : JSON.stringify(item)
}

/** The listing's items read one by one: the readable objects, and why each other one is not. */
export function parseObjects(items: readonly unknown[]): { objects: KnowledgeObject[]; odd: Array<{ why: string; item: string }> } {
  const objects: KnowledgeObject[] = []
  const odd: Array<{ why: string; item: string }> = []
  for (const item of items) {
    const parsed = parseObject(item)
    if (typeof parsed === 'string') odd.push({ why: parsed, item: describeItem(item) })
    else objects.push(parsed)
  }
  return { objects, odd }
}

/** Enough of an odd item to find it in the portal, never its content. */
function describeItem(item: unknown): string {
  if (!isRecord(item)) return JSON.stringify(item)?.slice(0, 80) ?? String(item)
  const id = item.id === undefined ? 'no id' : `id ${JSON.stringify(item.id)}`
  return typeof item.file_path === 'string' ? `${id}, file_path ${JSON.stringify(item.file_path)}` : id
}
