/**
 * `mode: doctor` for Castrel. Its API has no delete, so a canary could never be removed: every
 * check here only reads. It looks at the `{code, message, data}` envelope on success and on a
 * refused request, at the list's paging, and at whether a label filter is honoured (the action
 * lists its entries by label, NOTES §5).
 */
import { describeShape, jsonBody } from '../../doctor/paging.js'
import type { DoctorSession } from '../../doctor/session.js'
import type { DoctorEnv, VendorDoctor } from '../../doctor/contract.js'
import type { Assumption, Leftover } from '../../doctor/types.js'
import { HttpClient, isRecord, staticTokens } from '../../http.js'
import { registerSecret } from '../../secrets.js'
import { LABEL_MANAGED_BY, MANAGED_BY } from './adapter.js'
import { castrelSettings } from './settings.js'

const ASSUMPTIONS: readonly Assumption[] = [
  { id: 'envelope', text: 'Answers are the `{code, message, data}` envelope, `code` 200 on success', source: '[doc] CA-K' },
  { id: 'envelope-errors', text: 'A refused request is answered HTTP 200, with the error in the envelope `code`', source: '[doc] CA-K; codes [gap]' },
  { id: 'list-paging', text: '`list` pages by `page_no`/`page_size` with `page.total`, and following the pages reaches the total', source: '[doc] CA-K' },
  { id: 'entry-fields', text: 'Every listed entry has an `id` and a `name`', source: '[doc] CA-K' },
  { id: 'label-filter', text: '`filters.labels` is honoured: a label filter no entry matches lists nothing', source: '[doc] CA-K; semantics [gap]' }
]

const PAGE_SIZE = 200
const MAX_PAGES = 1_000
const LIST = '/personal/v1/knowledge/list'

export function castrelDoctor(env: DoctorEnv): VendorDoctor {
  return new CastrelDoctor(env)
}

class CastrelDoctor implements VendorDoctor {
  readonly assumptions = ASSUMPTIONS
  readonly noCanary = "Castrel's API has no delete, so a canary could not be removed; every check here only reads"
  private readonly env: DoctorEnv
  private readonly http: HttpClient

  constructor(env: DoctorEnv) {
    this.env = env
    const settings = castrelSettings(env.settings)
    registerSecret(settings.apiKey)
    this.http = new HttpClient({ vendor: 'Castrel', baseUrl: settings.apiUrl, tokens: staticTokens(settings.apiKey), log: env.log })
  }

  private async post(body: Record<string, unknown>, operation: string): Promise<{ status: number; body: unknown }> {
    const res = await this.http.request({
      method: 'POST',
      url: LIST,
      operation,
      json: { include_public: false, ...body },
      idempotent: true,
      accept: [400, 404, 422]
    })
    return { status: res.status, body: jsonBody(res) }
  }

  /** Every entry, page by page. */
  async list(_store: unknown, s: DoctorSession): Promise<void> {
    const items: unknown[] = []
    let total: number | undefined
    let pages = 0
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await this.post(
        { page: { page_no: page, page_size: PAGE_SIZE }, sort: { order_by: 'created_at', order: 'asc' } },
        `list knowledge (page ${page})`
      )
      const data = this.data(answer, s, page === 1)
      if (!data) throw new Error(`the list answer is HTTP ${answer.status}, ${describeShape(answer.body)}`)
      pages = page
      items.push(...data.items)
      total = data.total
      if (data.items.length < PAGE_SIZE || total === undefined || items.length >= total) break
    }
    const followed = total === undefined || items.length === total
    Object.assign(s.listing, {
      total: items.length,
      pages,
      paged: true,
      followedToEnd: followed,
      note: `${pages} page${pages === 1 ? '' : 's'} of up to ${PAGE_SIZE}`
    })
    if (total === undefined) s.notHeld('list-paging', 'the answer has no page.total', 'the action reads pages until one comes back short')
    else if (followed) s.held('list-paging', `${pages} page${pages === 1 ? '' : 's'}, ${items.length} entries of page.total ${total}`)
    else s.notHeld('list-paging', `${items.length} entries read over ${pages} pages, page.total says ${total}`)
    const odd = items.map((k) => ({ k, why: oddEntry(k) })).filter((o): o is { k: unknown; why: string } => o.why !== undefined)
    for (const { k, why } of odd) s.listing.odd.push({ ...(isRecord(k) && k.id !== undefined ? { id: String(k.id) } : {}), why })
    if (items.length > 0) {
      if (odd.length === 0) s.held('entry-fields', `all ${items.length} entries`)
      else s.notHeld('entry-fields', `${odd.length} of ${items.length} entries are odd: ${[...new Set(odd.map((o) => o.why))].slice(0, 3).join('; ')}`)
    }
  }

  /** The list data inside a successful envelope; records the envelope check on the first answer. */
  private data(answer: { status: number; body: unknown }, s: DoctorSession, first: boolean): { items: unknown[]; total?: number } | undefined {
    const b = answer.body
    const ok = answer.status === 200 && isRecord(b) && b.code === 200 && 'data' in b
    if (first) {
      if (ok) s.held('envelope', `HTTP 200, code 200${typeof b.message === 'string' ? `, message ${b.message}` : ''}`)
      else s.notHeld('envelope', `HTTP ${answer.status}, ${isRecord(b) && 'code' in b ? `code ${JSON.stringify(b.code)}` : describeShape(b)}`)
    }
    if (!ok || !isRecord(b.data) || !Array.isArray(b.data.items)) return undefined
    const page = isRecord(b.data.page) ? b.data.page : undefined
    return { items: b.data.items, ...(typeof page?.total === 'number' ? { total: page.total } : {}) }
  }

  async probe(_store: unknown, s: DoctorSession): Promise<void> {
    await s.step('Send a list request Castrel must refuse', async () => {
      const answer = await this.post({ page: { page_no: 1, page_size: 0 } }, 'list knowledge with page_size 0')
      const b = answer.body
      const code = isRecord(b) ? b.code : undefined
      const message = isRecord(b) && typeof b.message === 'string' ? `: ${b.message}` : ''
      s.observe('castrel.refusal', { status: answer.status, code: code ?? null, message: message.slice(2) || null })
      if (answer.status === 200 && typeof code === 'number' && code !== 200) s.held('envelope-errors', `HTTP 200, code ${code}${message}`)
      else if (answer.status >= 400) s.notHeld('envelope-errors', `HTTP ${answer.status}${message}`, 'the action reports HTTP errors as well')
      else s.cannotCheck('envelope-errors', `a page_size of 0 was accepted (HTTP ${answer.status}, code ${JSON.stringify(code)})`)
    })

    await s.step('List by a label no entry has', async () => {
      const answer = await this.post(
        {
          filters: {
            labels: {
              operator: 'eq',
              values: [
                { key: LABEL_MANAGED_BY, value: MANAGED_BY },
                { key: 'knowledge-sync-doctor', value: this.env.canary.runId }
              ]
            }
          },
          page: { page_no: 1, page_size: 20 }
        },
        'list knowledge by a label no entry has'
      )
      const b = answer.body
      const items = isRecord(b) && b.code === 200 && isRecord(b.data) && Array.isArray(b.data.items) ? b.data.items : undefined
      if (!items) {
        const detail = isRecord(b) && 'code' in b ? `code ${JSON.stringify(b.code)}${typeof b.message === 'string' ? `: ${b.message}` : ''}` : describeShape(b)
        s.notHeld(
          'label-filter',
          `refused: HTTP ${answer.status}, ${detail}`,
          'the action then lists all knowledge and picks its own by the labels on each entry'
        )
      } else if (items.length > 0) {
        s.notHeld(
          'label-filter',
          `ignored: ${items.length} entries listed without that label`,
          'the action checks the labels of every listed entry itself, so it only reads more'
        )
      } else if ((s.listing.total ?? 0) === 0) {
        s.cannotCheck('label-filter', 'nothing listed, but the instance lists no knowledge at all, so an ignored filter would look the same')
      } else {
        s.held('label-filter', `nothing listed, of ${s.listing.total} entries`)
      }
    })
  }

  async canary(): Promise<void> {}

  async cleanUp(): Promise<Leftover[]> {
    return []
  }
}

/** Why the action cannot read this listed entry, or undefined when it can. */
function oddEntry(item: unknown): string | undefined {
  if (!isRecord(item)) return `an item that is ${describeShape(item)}, not an object`
  if (typeof item.id !== 'number' && !(typeof item.id === 'string' && item.id !== '')) return 'no id'
  if (typeof item.name !== 'string') return 'no name'
  return undefined
}
