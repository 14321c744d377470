/**
 * Castrel Knowledges API (PAT), as shared/vendor-docs/knowledges-api-pat.txt describes it, under
 * /castrel (api-url = <base>/castrel). Every answer is the `{code, message, data}` envelope; as the
 * docs show, validation errors come back as HTTP 200 with `code` 400. There is no delete endpoint.
 *
 * Choices where the docs are silent:
 * - A missing or unknown PAT is HTTP 401 with the envelope `{code: 401, message: "auth.unauthorized"}`.
 * - An unknown id is HTTP 200 with `code` 404.
 * - Boolean filters (is_public, is_readonly) compare the strings "true"/"false"; the id filters read trigger_config.
 * - Label filter `eq` with several values means all of them (AND); `includeAny` any; `excludeAny` none;
 *   `like` a substring of the value. `trigger_config` identity for upsert is JSON equality.
 * - Upsert and update replace `labels` and `metadata` wholesale when sent (not merged).
 * Faults: `{"kind":"vendor","name":"castrel-error-envelope","match":"<path part>"}` answers HTTP 200 with
 * `{code: 500, message: "common.internal_error"}` on a matching route.
 */
import { DEMO_ACCOUNTS } from '../../demo-accounts.ts'
import { EmuError, type EmuContext, type EmuRequest, type Router, type VendorEmulator } from '../../framework.ts'

const TYPES = ['default', 'document']
const TRIGGER_NEEDS: Record<string, string | null> = {
  smart: null,
  always: null,
  application: 'application_id',
  service: 'service_id',
  infrastructure: 'infrastructure_id',
  connector: 'connector_id',
  bridge_node: 'bridge_node_client_id',
  proxy: 'proxy_id',
  alert: 'match_patterns'
}

export interface CastrelKnowledge {
  id: number
  name: string
  type: string
  trigger: string
  trigger_config: Record<string, unknown>
  description: string | null
  data: Record<string, unknown>
  labels: Record<string, string> | null
  metadata: Record<string, unknown> | null
  application_id: string | null
  application_name: string | null
  workspace_id: string | null
  is_public: boolean
  is_readonly: boolean
  is_applied: boolean
  source: string
  forked_from: number | null
  created_at: number
  updated_at: number
}

const ok = (data: unknown) => ({ status: 200, json: { code: 200, message: 'common.success', data } })
/** The documented quirk: a refused request is still HTTP 200, with the error in `code`. */
const refused = (message: string, code = 400) => new EmuError(200, { code, message, data: null })

export function createCastrelEmulator(): VendorEmulator {
  let entries: CastrelKnowledge[] = []
  let pats = new Set<string>([DEMO_ACCOUNTS.castrel.pat])
  let nextId = 1
  let ctx: EmuContext

  function auth(req: EmuRequest, route: string): void {
    const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))
    if (!m || !pats.has(m[1]!)) throw new EmuError(401, { code: 401, message: 'auth.unauthorized', data: null })
    const fault = ctx.faults.take('castrel-error-envelope', route)
    if (fault) throw new EmuError(200, { code: 500, message: 'common.internal_error', data: null })
  }

  function body(req: EmuRequest): Record<string, any> {
    const b = req.json()
    if (!b || typeof b !== 'object' || Array.isArray(b)) throw refused('common.invalid_body')
    return b as Record<string, any>
  }

  function checkName(name: unknown): string {
    if (typeof name !== 'string' || name.trim() === '') throw refused('knowledge.name_required')
    if (name.length > 255) throw refused('knowledge.name_too_long')
    return name
  }

  function checkTrigger(trigger: unknown, config: unknown): void {
    if (typeof trigger !== 'string' || !(trigger in TRIGGER_NEEDS)) throw refused('knowledge.invalid_trigger')
    if (!config || typeof config !== 'object' || Array.isArray(config)) throw refused('knowledge.trigger_config_required')
    const need = TRIGGER_NEEDS[trigger]
    const c = config as Record<string, unknown>
    if (need === 'match_patterns') {
      if (!Array.isArray(c.match_patterns) || c.match_patterns.length === 0) throw refused('knowledge.alert_requires_match_patterns')
    } else if (need && (typeof c[need] !== 'string' || (c[need] as string).trim() === '')) {
      throw refused(`knowledge.${trigger}_requires_${need}`)
    }
  }

  function checkData(type: unknown, data: unknown): void {
    if (typeof type !== 'string' || !TYPES.includes(type)) throw refused('knowledge.invalid_type')
    if (!data || typeof data !== 'object') throw refused('knowledge.data_required')
    const d = data as Record<string, unknown>
    if (type === 'default' && typeof d.content !== 'string') throw refused('knowledge.default_requires_content')
    if (type === 'document' && typeof d.document_content !== 'string' && (typeof d.document_id !== 'string' || d.document_id === '')) {
      throw refused('knowledge.document_requires_document_content_or_document_id')
    }
  }

  function checkLabels(labels: unknown): void {
    if (labels === undefined || labels === null) return
    if (typeof labels !== 'object' || Array.isArray(labels)) throw refused('knowledge.invalid_labels')
    for (const k of Object.keys(labels)) if (k.trim() === '') throw refused('knowledge.label_key_empty')
  }

  function make(b: Record<string, any>): CastrelKnowledge {
    const now = Date.now()
    const config = (b.trigger_config ?? {}) as Record<string, unknown>
    return {
      id: nextId++,
      name: b.name,
      type: b.type,
      trigger: b.trigger,
      trigger_config: config,
      description: b.description ?? null,
      data: b.data,
      labels: b.labels ?? null,
      metadata: b.metadata ?? null,
      application_id: typeof config.application_id === 'string' ? config.application_id : null,
      application_name: null,
      workspace_id: 'wks-emulator',
      is_public: false,
      is_readonly: false,
      is_applied: false,
      source: 'custom',
      forked_from: null,
      created_at: now,
      updated_at: now
    }
  }

  function apply(k: CastrelKnowledge, b: Record<string, any>): void {
    for (const field of ['name', 'type', 'trigger', 'trigger_config', 'description', 'data', 'labels', 'metadata'] as const) {
      if (b[field] !== undefined && b[field] !== null) (k as any)[field] = b[field]
    }
    k.updated_at = Math.max(Date.now(), k.updated_at + 1)
  }

  function matchesFilter(value: string | null | undefined, f: { operator?: string; value?: string; values?: string[] }): boolean {
    const v = value ?? ''
    switch (f.operator) {
      case 'eq':
        return f.value !== undefined ? v === f.value : (f.values ?? []).every((x) => x === v)
      case 'includeAny':
        return (f.values ?? (f.value !== undefined ? [f.value] : [])).includes(v)
      case 'excludeAny':
        return !(f.values ?? (f.value !== undefined ? [f.value] : [])).includes(v)
      case 'like':
        return v.includes(f.value ?? '')
      default:
        throw refused('knowledge.invalid_filter_operator')
    }
  }

  function matchesLabels(k: CastrelKnowledge, f: { operator?: string; values?: Array<{ key: string; value?: string | null }> }): boolean {
    const labels = k.labels ?? {}
    const hit = (item: { key: string; value?: string | null }) =>
      item.key in labels && (item.value === undefined || item.value === null || item.value === '' || (f.operator === 'like' ? labels[item.key]!.includes(item.value) : labels[item.key] === item.value))
    const items = f.values ?? []
    switch (f.operator) {
      case 'eq':
      case 'like':
        return items.every(hit)
      case 'includeAny':
        return items.some(hit)
      case 'excludeAny':
        return !items.some(hit)
      default:
        throw refused('knowledge.invalid_filter_operator')
    }
  }

  function list(req: EmuRequest) {
    const b = body(req)
    const filters = (b.filters ?? {}) as Record<string, any>
    let items = entries.filter((k) => b.include_public === true || !k.is_public)
    for (const field of ['name', 'type', 'trigger', 'source', 'workspace_id'] as const) {
      if (filters[field]) items = items.filter((k) => matchesFilter(k[field] as string, filters[field]))
    }
    // The id filters read trigger_config, where the docs say those ids live.
    for (const field of ['application_id', 'service_id', 'infrastructure_id', 'connector_id', 'bridge_node_client_id', 'proxy_id'] as const) {
      if (filters[field]) items = items.filter((k) => matchesFilter(typeof k.trigger_config[field] === 'string' ? (k.trigger_config[field] as string) : null, filters[field]))
    }
    // Booleans compare as "true"/"false": FilterValue values are strings.
    for (const field of ['is_public', 'is_readonly'] as const) {
      if (filters[field]) items = items.filter((k) => matchesFilter(String(k[field]), filters[field]))
    }
    if (filters.labels) items = items.filter((k) => matchesLabels(k, filters.labels))
    if (b.sort) {
      const { order_by: by, order } = b.sort as { order_by: string; order: string }
      const dir = order === 'asc' ? 1 : -1
      items = [...items].sort((x, y) => ((x as any)[by] > (y as any)[by] ? dir : (x as any)[by] < (y as any)[by] ? -dir : x.id - y.id))
    }
    if (!b.page) return ok({ page: null, items })
    const pageNo = b.page.page_no ?? 1
    const pageSize = b.page.page_size ?? 20
    if (!Number.isInteger(pageNo) || pageNo < 1) throw refused('common.invalid_page_no')
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200) throw refused('common.invalid_page_size')
    return ok({ page: { total: items.length, page_num: pageNo, page_size: pageSize }, items: items.slice((pageNo - 1) * pageSize, pageNo * pageSize) })
  }

  return {
    name: 'castrel',
    register(router: Router, context: EmuContext) {
      ctx = context
      router.add('POST', '/castrel/personal/v1/knowledge/list', (req) => {
        auth(req, 'list')
        return list(req)
      })
      router.add('GET', '/castrel/personal/v1/knowledge/:id', (req) => {
        auth(req, 'get')
        const k = entries.find((e) => String(e.id) === req.params.id)
        if (!k) throw refused('knowledge.not_found', 404)
        return ok(k)
      })
      router.add('POST', '/castrel/personal/v1/knowledge/create', (req) => {
        auth(req, 'create')
        const b = body(req)
        checkName(b.name)
        checkTrigger(b.trigger, b.trigger_config)
        checkData(b.type, b.data)
        checkLabels(b.labels)
        const k = make(b)
        entries.push(k)
        return ok(k)
      })
      router.add('POST', '/castrel/personal/v1/knowledge/update', (req) => {
        auth(req, 'update')
        const b = body(req)
        const k = entries.find((e) => e.id === Number(b.id))
        if (!k) throw refused('knowledge.not_found', 404)
        if (k.is_readonly) throw refused('knowledge.readonly', 403)
        if (b.name !== undefined && b.name !== null) checkName(b.name)
        if (b.data !== undefined && b.data !== null) {
          if (b.type === undefined || b.type === null) throw refused('knowledge.type_required_with_data')
          checkData(b.type, b.data)
        }
        if (b.trigger_config !== undefined && b.trigger_config !== null) {
          if (b.trigger === undefined || b.trigger === null) throw refused('knowledge.trigger_required_with_trigger_config')
          checkTrigger(b.trigger, b.trigger_config)
        } else if (b.trigger !== undefined && b.trigger !== null) {
          checkTrigger(b.trigger, k.trigger_config)
        }
        checkLabels(b.labels)
        apply(k, b)
        return ok(k)
      })
      router.add('POST', '/castrel/personal/v1/knowledge/upsert', (req) => {
        auth(req, 'upsert')
        const b = body(req)
        checkName(b.name)
        checkTrigger(b.trigger, b.trigger_config)
        checkLabels(b.labels)
        const identity = JSON.stringify(sortKeys(b.trigger_config))
        const existing = entries.find((e) => e.name === b.name && e.trigger === b.trigger && JSON.stringify(sortKeys(e.trigger_config)) === identity)
        if (existing) {
          if (b.data !== undefined && b.data !== null) checkData(b.type ?? existing.type, b.data)
          apply(existing, b)
          return ok(existing)
        }
        checkData(b.type, b.data)
        const k = make(b)
        entries.push(k)
        return ok(k)
      })
    },
    state: () => ({ entries }),
    reset() {
      entries = []
      pats = new Set([DEMO_ACCOUNTS.castrel.pat])
      nextId = 1
    },
    seed(raw: unknown) {
      const b = raw as { entries?: Array<Partial<CastrelKnowledge>>; pats?: string[] }
      for (const p of b.pats ?? []) pats.add(p)
      const made: number[] = []
      for (const e of b.entries ?? []) {
        const k = make({ type: 'default', trigger: 'always', trigger_config: {}, data: { content: '' }, ...e })
        Object.assign(k, { is_public: e.is_public ?? false, is_readonly: e.is_readonly ?? false })
        entries.push(k)
        made.push(k.id)
      }
      return { created: made }
    }
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]))
  }
  return value ?? {}
}
