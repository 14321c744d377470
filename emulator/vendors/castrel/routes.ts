/** The Knowledges API: list with filters, sort and pages; get; create; update; upsert. */
import type { EmuRequest, EmuResult, Router } from '../../framework.ts'
import type { CastrelKnowledge, CastrelStore } from './state.ts'
import { body, checkData, checkLabels, checkName, checkTrigger, ok, refused } from './validation.ts'

export function registerCastrelRoutes(router: Router, store: CastrelStore): void {
  router.add('POST', '/castrel/personal/v1/knowledge/list', (req) => {
    store.auth(req, 'list')
    return list(store, req)
  })
  router.add('GET', '/castrel/personal/v1/knowledge/:id', (req) => {
    store.auth(req, 'get')
    const k = store.entries.find((e) => String(e.id) === req.params.id)
    if (!k) throw refused('knowledge.not_found', 404)
    return ok(k)
  })
  router.add('POST', '/castrel/personal/v1/knowledge/create', (req) => {
    store.auth(req, 'create')
    const b = body(req)
    checkName(b.name)
    checkTrigger(b.trigger, b.trigger_config)
    checkData(b.type, b.data)
    checkLabels(b.labels)
    const k = store.make(b)
    store.entries.push(k)
    return ok(k)
  })
  router.add('POST', '/castrel/personal/v1/knowledge/update', (req) => {
    store.auth(req, 'update')
    const b = body(req)
    const k = store.entries.find((e) => e.id === Number(b.id))
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
    store.apply(k, b)
    return ok(k)
  })
  router.add('POST', '/castrel/personal/v1/knowledge/upsert', (req) => {
    store.auth(req, 'upsert')
    const b = body(req)
    checkName(b.name)
    checkTrigger(b.trigger, b.trigger_config)
    checkLabels(b.labels)
    const identity = JSON.stringify(sortKeys(b.trigger_config))
    const existing = store.entries.find((e) => e.name === b.name && e.trigger === b.trigger && JSON.stringify(sortKeys(e.trigger_config)) === identity)
    if (existing) {
      if (b.data !== undefined && b.data !== null) checkData(b.type ?? existing.type, b.data)
      store.apply(existing, b)
      return ok(existing)
    }
    checkData(b.type, b.data)
    const k = store.make(b)
    store.entries.push(k)
    return ok(k)
  })
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
    item.key in labels &&
    (item.value === undefined ||
      item.value === null ||
      item.value === '' ||
      (f.operator === 'like' ? labels[item.key]!.includes(item.value) : labels[item.key] === item.value))
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

function list(store: CastrelStore, req: EmuRequest): EmuResult {
  const b = body(req)
  const filters = (b.filters ?? {}) as Record<string, any>
  let items = store.entries.filter((k) => b.include_public === true || !k.is_public)
  for (const field of ['name', 'type', 'trigger', 'source', 'workspace_id'] as const) {
    if (filters[field]) items = items.filter((k) => matchesFilter(k[field] as string, filters[field]))
  }
  // The id filters read trigger_config, where the docs say those ids live.
  for (const field of ['application_id', 'service_id', 'infrastructure_id', 'connector_id', 'bridge_node_client_id', 'proxy_id'] as const) {
    if (filters[field])
      items = items.filter((k) => matchesFilter(typeof k.trigger_config[field] === 'string' ? (k.trigger_config[field] as string) : null, filters[field]))
  }
  // Booleans compare as "true"/"false": FilterValue values are strings.
  for (const field of ['is_public', 'is_readonly'] as const) {
    if (filters[field]) items = items.filter((k) => matchesFilter(String(k[field]), filters[field]))
  }
  if (filters.labels && store.settings.labelFilter === 'refused') throw refused('knowledge.filter_labels_not_supported')
  if (filters.labels && store.settings.labelFilter === 'applied') items = items.filter((k) => matchesLabels(k, filters.labels))
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

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])])
    )
  }
  return value ?? {}
}
