/**
 * Who is calling: an API key (Bearer or X-Api-Key; organization keys also need X-Project-Id), its
 * organization's rate-limit window, and what the key may do.
 */
import { randomBytes } from 'node:crypto'
import { EmuError, type EmuRequest, type EmuResult, type Handler } from '../../framework.ts'
import { STAFFIFY_DEMO_ORG, type KnowledgeBase, type StaffifyKey, type StaffifyOrg, type StaffifyStore } from './state.ts'
import { err } from './validation.ts'

const FAILED_AUTH_LIMIT = 100
const FAILED_AUTH_WINDOW_MS = 15 * 60_000

export interface Caller {
  key: StaffifyKey
  org: StaffifyOrg
  headers: Record<string, string>
}

function authenticate(store: StaffifyStore, req: EmuRequest): Caller {
  const auth = String(req.headers.authorization ?? '')
  const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim()
  const apiKey = bearer ?? (typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'].trim() : undefined)
  const recent = store.failedAuths.filter((t) => t > Date.now() - FAILED_AUTH_WINDOW_MS)
  store.failedAuths = recent
  if (recent.length >= FAILED_AUTH_LIMIT) throw err(429, 'AUTH_RATE_LIMITED', 'Too many failed authentication attempts. Try again later.')
  if (!apiKey) {
    store.failedAuths.push(Date.now())
    throw err(401, 'MISSING_API_KEY', 'API key is required. Pass it as "Authorization: Bearer sfy_live_…" or X-Api-Key.')
  }
  const key = store.keys.get(apiKey)
  if (!key) {
    store.failedAuths.push(Date.now())
    throw err(401, 'INVALID_API_KEY', 'The API key is invalid or has been revoked.')
  }
  if (apiKey.startsWith('sfy_org_') && !String(req.headers['x-project-id'] ?? '').trim()) {
    throw err(400, 'VALIDATION_ERROR', 'Organization keys require the X-Project-Id header.')
  }
  const orgId = key.org ?? STAFFIFY_DEMO_ORG
  const org = store.orgs.get(orgId) ?? { id: orgId }
  return { key, org, headers: rateHeaders(store, org) }
}

function rateHeaders(store: StaffifyStore, org: StaffifyOrg): Record<string, string> {
  const t = Date.now()
  const { rateLimit } = store
  let w = store.windows.get(org.id)
  if (!w || t >= w.start + rateLimit.windowMs) {
    w = { start: t, count: 0 }
    store.windows.set(org.id, w)
  }
  w.count++
  const headers = {
    'x-ratelimit-limit': String(rateLimit.limit),
    'x-ratelimit-remaining': String(Math.max(0, rateLimit.limit - w.count)),
    'x-ratelimit-reset': String(Math.ceil((w.start + rateLimit.windowMs) / 1000)),
    'x-ratelimit-tier': org.tier ?? 'payg'
  }
  if (w.count > rateLimit.limit) {
    const retryAfter = Math.max(1, Math.ceil((w.start + rateLimit.windowMs - t) / 1000))
    throw new EmuError(429, { code: 'RATE_LIMIT_EXCEEDED', message: `Rate limit of ${rateLimit.limit} requests exceeded.`, retryAfter }, headers)
  }
  return headers
}

export function requireWrite(caller: Caller, costsCredits: boolean): void {
  if (caller.key.readOnly) throw err(403, 'READ_ONLY_KEY', 'This API key is read-only and cannot perform write operations.', undefined, caller.headers)
  if (costsCredits && caller.org.creditsExhausted) {
    throw err(402, 'INSUFFICIENT_CREDITS', 'Your organization has insufficient credits. Top up to continue.', undefined, caller.headers)
  }
}

export function findKb(store: StaffifyStore, caller: Caller, id: string | undefined): KnowledgeBase {
  const kb = store.kbs.find((k) => k.public_id === id && k.org === caller.org.id)
  if (!kb) throw err(404, 'NOT_FOUND', 'Knowledge base not found', undefined, caller.headers)
  return kb
}

/** Wraps a handler: authentication, rate limit, headers on errors too, jobs advanced. */
export function api(store: StaffifyStore, handler: (req: EmuRequest, caller: Caller) => EmuResult | Promise<EmuResult>): Handler {
  return async (req: EmuRequest): Promise<EmuResult> => {
    const requestId = `req_${randomBytes(8).toString('hex')}`
    store.advanceJobs()
    try {
      const caller = authenticate(store, req)
      try {
        const result = await handler(req, caller)
        return { ...result, headers: { ...caller.headers, 'x-request-id': requestId, ...result.headers } }
      } catch (e) {
        if (e instanceof EmuError) throw new EmuError(e.status, e.payload, { ...caller.headers, 'x-request-id': requestId, ...e.headers })
        throw e
      }
    } catch (e) {
      if (e instanceof EmuError && !e.headers['x-request-id']) throw new EmuError(e.status, e.payload, { 'x-request-id': requestId, ...e.headers })
      throw e
    }
  }
}
