/**
 * The Castrel Knowledges API calls, behind the `{code, message, data}` envelope. Castrel answers
 * errors with HTTP 200 and `code != 200`; those become errors here, with the vendor's message.
 * Docs: shared/vendor-docs/knowledges-api-pat.txt.
 */
import type { z } from 'zod'
import { VendorHttpError } from '../../errors.js'
import { type HttpClient, type HttpRequest, isRecord } from '../../http.js'
import type { Log } from '../../log.js'
import { Envelope, Knowledge, ListData } from './schema.js'

const PAGE_SIZE = 200
/** A listing that never ends (a server ignoring page numbers) must not hang the run. */
const MAX_PAGES = 1_000

/** A refusal in the envelope (`code` != 200 on HTTP 200), with its code. */
export class CastrelEnvelopeError extends VendorHttpError {
  readonly envelopeCode: number
  constructor(opts: ConstructorParameters<typeof VendorHttpError>[0] & { envelopeCode: number }) {
    super(opts)
    this.envelopeCode = opts.envelopeCode
  }
}

export interface LabelFilter {
  operator: 'eq' | 'includeAny' | 'excludeAny' | 'like'
  values: Array<{ key: string; value: string | null }>
}

export interface FilterValue {
  operator: 'eq' | 'includeAny' | 'excludeAny' | 'like'
  value?: string
  values?: string[]
}

export interface ListBody {
  filters?: { labels?: LabelFilter; name?: FilterValue }
  page?: { page_no: number; page_size: number }
  sort?: { order_by: string; order: 'asc' | 'desc' }
  include_public?: boolean
}

export class CastrelApi {
  private readonly http: HttpClient
  /** The same fix hints as for HTTP statuses: a bad PAT may come back as HTTP 200 with `code` 401. */
  private readonly hintFor: (code: number) => string | undefined
  private readonly log: Log | undefined
  constructor(http: HttpClient, hintFor: (code: number) => string | undefined = () => undefined, log?: Log) {
    this.http = http
    this.hintFor = hintFor
    this.log = log
  }

  /** One request; returns `data` when the envelope says success. */
  private async call(req: HttpRequest): Promise<unknown> {
    const res = await this.http.request(req)
    const envelope = this.http.parse(req, res, Envelope)
    if (envelope.code !== 200) {
      throw new CastrelEnvelopeError({
        envelopeCode: envelope.code,
        vendor: 'Castrel',
        operation: req.operation,
        // The HTTP status was 200; the envelope's code goes in the sentence, not in the "(HTTP …)" label.
        detail: `the API answered code ${envelope.code}: ${envelope.message ?? 'no message'}`,
        code: envelope.message ?? undefined,
        hint: this.hintFor(envelope.code)
      })
    }
    return envelope.data
  }

  private parseData<S extends z.ZodType>(req: HttpRequest, data: unknown, schema: S): z.infer<S> {
    const parsed = schema.safeParse(data)
    if (!parsed.success) {
      throw new VendorHttpError({ vendor: 'Castrel', operation: req.operation, detail: 'unexpected response shape; the vendor API may have changed' })
    }
    return parsed.data
  }

  /** One page; each item is parsed on its own: an odd one is reported once and skipped, not fatal. */
  async list(body: ListBody, operation = 'list knowledge'): Promise<{ page: ListData['page']; items: Knowledge[]; listed: number }> {
    // A read: safe to send again after a network error.
    const req: HttpRequest = { method: 'POST', url: '/personal/v1/knowledge/list', operation, json: { include_public: false, ...body }, idempotent: true }
    const data = this.parseData(req, await this.call(req), ListData)
    const items: Knowledge[] = []
    for (const item of data.items) {
      const parsed = Knowledge.safeParse(item)
      if (parsed.success) items.push(parsed.data)
      else this.reportOdd(item, parsed.error.issues[0]?.path.join('.') || 'the item')
    }
    return { page: data.page, items, listed: data.items.length }
  }

  /**
   * Every entry matching `filters`, page by page, each item parsed on its own: an odd one is
   * reported once and skipped. The caller checks every label again, so a server that ignores
   * the label filter (answering every item) costs only time.
   */
  async listAll(filters: ListBody['filters']): Promise<Knowledge[]> {
    const out: Knowledge[] = []
    for (let page = 1; page <= MAX_PAGES; page++) {
      const data = await this.list(
        { filters, page: { page_no: page, page_size: PAGE_SIZE }, sort: { order_by: 'created_at', order: 'asc' } },
        `list the knowledge synced from this repository (page ${page})`
      )
      out.push(...data.items)
      const total = data.page?.total
      if (data.listed < PAGE_SIZE || (total !== undefined && page * PAGE_SIZE >= total) || !data.page) return out
    }
    return out
  }

  private readonly reported = new Set<string>()
  private reportOdd(item: unknown, field: string): void {
    const id = isRecord(item) && item.id !== undefined ? String(item.id) : JSON.stringify(item).slice(0, 80)
    if (this.reported.has(id)) return
    this.reported.add(id)
    this.log?.warning(`Castrel listed knowledge the action cannot read (${id}: ${field} is missing or of another type). It is left alone; check it in Castrel.`)
  }

  async upsert(body: Record<string, unknown>, operation: string): Promise<Knowledge | undefined> {
    // Upsert is idempotent by its identity (name + trigger + trigger_config): safe to repeat.
    const req: HttpRequest = { method: 'POST', url: '/personal/v1/knowledge/upsert', operation, json: body, idempotent: true }
    const data = await this.call(req)
    const parsed = Knowledge.safeParse(data)
    return parsed.success ? parsed.data : undefined
  }

  async update(body: Record<string, unknown> & { id: number }, operation: string): Promise<void> {
    // Setting the same fields twice leaves the same entry.
    await this.call({ method: 'POST', url: '/personal/v1/knowledge/update', operation, json: body, idempotent: true })
  }
}
