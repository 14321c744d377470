/** Staffify's error shape `{code, message, details?}` and the checks on query strings and bodies. */
import { EmuError, type EmuRequest } from '../../framework.ts'

export function err(status: number, code: string, message: string, details?: unknown, headers?: Record<string, string>): EmuError {
  return new EmuError(status, details === undefined ? { code, message } : { code, message, details }, headers)
}

export function intParam(req: EmuRequest, name: string, def: number, max: number): number {
  const raw = req.url.searchParams.get(name)
  if (raw === null || raw === '') return def
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > max) throw err(400, 'VALIDATION_ERROR', `${name} must be an integer between 1 and ${max}`)
  return n
}

export function cursorOf(id: number): string {
  return Buffer.from(`id:${id}`).toString('base64url')
}

export function afterParam(req: EmuRequest): number {
  const raw = req.url.searchParams.get('after')
  if (raw === null || raw === '') return 0
  const m = /^id:(\d+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'))
  if (!m) throw err(400, 'VALIDATION_ERROR', 'Invalid cursor')
  return Number(m[1])
}

export function objectBody(req: EmuRequest): Record<string, unknown> {
  let body: unknown
  try {
    body = JSON.parse(req.text() || 'null')
  } catch {
    throw err(400, 'VALIDATION_ERROR', 'Request body must be valid JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw err(400, 'VALIDATION_ERROR', 'Request body must be a JSON object')
  return body as Record<string, unknown>
}

export function kbFields(body: Record<string, unknown>, creating: boolean): Record<string, unknown> {
  const problems: string[] = []
  if (creating || 'name' in body) {
    if (typeof body.name !== 'string' || body.name.trim() === '') problems.push('name is required')
    else if (body.name.length > 255) problems.push('name must be at most 255 characters')
  }
  if ('description' in body && body.description !== null && typeof body.description !== 'string') problems.push('description must be a string')
  if ('source_url' in body && body.source_url !== null && (typeof body.source_url !== 'string' || !/^https?:\/\//.test(body.source_url))) {
    problems.push('source_url must be an http(s) URL or null')
  }
  if ('crawl_frequency' in body && ![null, 'weekly', 'biweekly', 'monthly'].includes(body.crawl_frequency as string | null)) {
    problems.push('crawl_frequency must be weekly, biweekly, monthly or null')
  }
  if ('auto_refresh_enabled' in body && typeof body.auto_refresh_enabled !== 'boolean') problems.push('auto_refresh_enabled must be a boolean')
  for (const [name, lo, hi] of [
    ['max_depth', 1, 5],
    ['max_pages', 1, 500]
  ] as const) {
    if (name in body && (!Number.isInteger(body[name]) || (body[name] as number) < lo || (body[name] as number) > hi)) {
      problems.push(`${name} must be an integer from ${lo} to ${hi}`)
    }
  }
  if (problems.length > 0) throw err(400, 'VALIDATION_ERROR', problems.join('; '), { fields: problems })
  return body
}

export function entryText(value: unknown, name: string, index?: number): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw err(
      400,
      'VALIDATION_ERROR',
      `${index === undefined ? '' : `entries[${index}].`}${name} is required and must be a non-empty string`,
      index === undefined ? undefined : { index }
    )
  }
  return value
}
