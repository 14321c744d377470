/** The OAuth client-credentials token, and knowledge bases: list, create, rename, delete. */
import { randomUUID } from 'node:crypto'
import type { Router } from '../../framework.ts'
import { err, type Kb, type TelzinoStore } from './state.ts'

export function registerKbRoutes(router: Router, store: TelzinoStore): void {
  router.add('POST', '/telzino/oauth/token', (req) => {
    const b = req.json() as Record<string, string>
    if (b.grant_type !== 'client_credentials') throw err(400, 'unsupported_grant_type', 'grant_type must be client_credentials')
    if (!b.client_id || store.clients.get(b.client_id) !== b.client_secret) throw err(401, 'access_denied', 'Unauthorized')
    const token = `tz_${randomUUID().replace(/-/g, '')}`
    store.tokens.set(token, Date.now() + store.ctx.tokenTtlSeconds * 1000)
    return { status: 200, json: { access_token: token, token_type: 'Bearer', expires_in: store.ctx.tokenTtlSeconds } }
  })
  router.add('GET', '/telzino/v1/organizations/:org/knowledge-bases', (req) => {
    store.auth(req)
    return {
      status: 200,
      json: {
        data: store.kbs
          .filter((k) => k.organization_id === req.params.org)
          .map((k) => ({ ...k, source_count: store.sources.filter((s) => s.knowledge_base_id === k.id).length }))
      }
    }
  })
  router.add('POST', '/telzino/v1/organizations/:org/knowledge-bases', (req) => {
    store.auth(req)
    const b = req.json() as { name?: string; description?: string | null }
    if (typeof b.name !== 'string' || b.name.length < 1 || b.name.length > 255) throw err(400, 'invalid_request', 'name must be 1-255 characters')
    if (b.description && b.description.length > 2000) throw err(400, 'invalid_request', 'description must be at most 2000 characters')
    if (store.kbs.some((k) => k.organization_id === req.params.org && k.name === b.name))
      throw err(409, 'conflict', 'A knowledge base with this name already exists')
    const now = new Date().toISOString()
    const kb: Kb = { id: randomUUID(), organization_id: req.params.org!, name: b.name, description: b.description ?? null, created_at: now, updated_at: now }
    store.kbs.push(kb)
    return { status: 201, json: { data: { ...kb, source_count: 0 } } }
  })
  router.add('PUT', '/telzino/v1/knowledge-bases/:kb', (req) => {
    store.auth(req)
    const kb = store.kbOr404(req.params.kb!)
    Object.assign(kb, req.json(), { updated_at: new Date().toISOString() })
    return { status: 200, json: { success: true } }
  })
  router.add('DELETE', '/telzino/v1/knowledge-bases/:kb', (req) => {
    store.auth(req)
    store.kbOr404(req.params.kb!)
    store.kbs = store.kbs.filter((k) => k.id !== req.params.kb)
    store.sources = store.sources.filter((s) => s.knowledge_base_id !== req.params.kb)
    return { status: 200, json: { success: true } }
  })
}
