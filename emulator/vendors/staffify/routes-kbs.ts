/** Knowledge bases: list (cursor), create, get, patch, delete, and the 12-hourly refresh. */
import { EmuError, type Router } from '../../framework.ts'
import { api, findKb, requireWrite } from './auth.ts'
import { now, type StaffifyStore } from './state.ts'
import { afterParam, cursorOf, err, intParam, kbFields, objectBody } from './validation.ts'

const BASE = '/staffify/v1'
const REFRESH_COOLDOWN_HOURS = 12

export function registerKbRoutes(router: Router, store: StaffifyStore): void {
  router.add(
    'GET',
    `${BASE}/knowledge-bases`,
    api(store, (req, caller) => {
      const limit = intParam(req, 'limit', 20, 100)
      const after = afterParam(req)
      const mine = store.kbs.filter((k) => k.org === caller.org.id && k.id > after).sort((a, b) => a.id - b.id)
      const page = mine.slice(0, limit)
      const more = mine.length > limit
      return { status: 200, json: { knowledge_bases: page.map((k) => store.publicKb(k)), next_cursor: more ? cursorOf(page.at(-1)!.id) : null } }
    })
  )

  router.add(
    'POST',
    `${BASE}/knowledge-bases`,
    api(store, (req, caller) => {
      requireWrite(caller, false)
      const fields = kbFields(objectBody(req), true)
      const kb = store.newKb(caller.org.id, fields)
      store.kbs.push(kb)
      if (kb.source_url) {
        kb.last_refresh_status = 'crawling'
        store.queueJob(kb, 'crawl', [{ q: `What is on ${kb.source_url}?`, a: `Crawled content of ${kb.source_url}.` }])
      }
      return { status: 201, json: { knowledge_base: store.publicKb(kb) } }
    })
  )

  router.add(
    'GET',
    `${BASE}/knowledge-bases/:kbId`,
    api(store, (req, caller) => ({ status: 200, json: { knowledge_base: store.publicKb(findKb(store, caller, req.params.kbId)) } }))
  )

  router.add(
    'PATCH',
    `${BASE}/knowledge-bases/:kbId`,
    api(store, (req, caller) => {
      requireWrite(caller, false)
      const kb = findKb(store, caller, req.params.kbId)
      const fields = kbFields(objectBody(req), false)
      if ('source_url' in fields && fields.source_url !== kb.source_url) {
        if (fields.source_url === null) {
          kb.source_url = null
          kb.last_refresh_status = 'idle'
        } else {
          // A different URL replaces everything crawled from the old one.
          kb.entries = kb.entries.filter((e) => e.source_type !== 'crawl')
          kb.source_url = fields.source_url as string
          store.queueJob(kb, 'crawl', [{ q: `What is on ${kb.source_url}?`, a: `Crawled content of ${kb.source_url}.` }])
        }
      }
      for (const name of ['name', 'description', 'crawl_frequency', 'auto_refresh_enabled', 'max_depth', 'max_pages'] as const) {
        if (name in fields) (kb as unknown as Record<string, unknown>)[name] = fields[name]
      }
      kb.updated_at = now()
      return { status: 200, json: { knowledge_base: store.publicKb(kb) } }
    })
  )

  router.add(
    'DELETE',
    `${BASE}/knowledge-bases/:kbId`,
    api(store, (req, caller) => {
      requireWrite(caller, false)
      const kb = findKb(store, caller, req.params.kbId)
      store.kbs = store.kbs.filter((k) => k !== kb)
      return { status: 200, json: { deleted: true, id: kb.id } }
    })
  )

  router.add(
    'POST',
    `${BASE}/knowledge-bases/:kbId/refresh`,
    api(store, (req, caller) => {
      requireWrite(caller, true)
      const kb = findKb(store, caller, req.params.kbId)
      if (!kb.source_url) throw err(400, 'VALIDATION_ERROR', 'Knowledge base has no source_url to refresh')
      if (kb.last_refresh_status === 'crawling') throw err(409, 'CONFLICT', 'A crawl is already running for this knowledge base')
      const since = kb.lastRefreshAt === undefined ? Infinity : (Date.now() - kb.lastRefreshAt) / 3_600_000
      if (since < REFRESH_COOLDOWN_HOURS) {
        const availableIn = Math.round((REFRESH_COOLDOWN_HOURS - since) * 10) / 10
        throw new EmuError(429, { error: 'Refresh is limited to once per 12 hours', available_in_hours: availableIn })
      }
      kb.lastRefreshAt = Date.now()
      const job = store.queueJob(kb, 'refresh', [])
      return { status: 202, json: { job_id: job.job_id, status: 'queued' } }
    })
  )
}
