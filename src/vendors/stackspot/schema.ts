import { z } from 'zod'

/**
 * StackSpot response shapes. The vendor documents none of them (NOTES §1(b)), so each schema
 * asks only for what the adapter uses and lets everything else through.
 */

const Id = z.union([z.string().min(1), z.number()]).transform(String)

export const KnowledgeObject = z.looseObject({
  id: Id,
  file_path: z.string().nullish(),
  checksum: z.string().nullish(),
  standalone: z.boolean().nullish(),
  created_at: z.string().nullish()
})
export type KnowledgeObject = z.infer<typeof KnowledgeObject>

/**
 * The object listing, strictly: a plain array per the public clients, or a paged wrapper (`items`,
 * `content`, `data`); undefined when the shape is not that or any item is odd. The sync reads
 * listings item by item instead (listing.ts): one odd item is reported and skipped there.
 */
export function knowledgeObjects(body: unknown): KnowledgeObject[] | undefined {
  let list: unknown = body
  if (!Array.isArray(list) && typeof list === 'object' && list !== null) {
    const o = list as Record<string, unknown>
    list = o.items ?? o.content ?? o.data
  }
  if (!Array.isArray(list)) return undefined
  const out: KnowledgeObject[] = []
  for (const item of list as unknown[]) {
    const parsed = parseObject(item)
    if (typeof parsed === 'string') return undefined
    out.push(parsed)
  }
  return out
}

/**
 * One listed object, or why the action cannot read it. Checked by hand rather than by zod: a KS
 * may hold tens of thousands of objects and this runs after every batch.
 */
export function parseObject(item: unknown): KnowledgeObject | string {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'not an object'
  const o = item as Record<string, unknown>
  const id = typeof o.id === 'string' && o.id !== '' ? o.id : typeof o.id === 'number' ? String(o.id) : undefined
  if (id === undefined) return 'no id'
  const optionalString = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? null : undefined)
  const file_path = optionalString(o.file_path)
  const checksum = optionalString(o.checksum)
  // Only used to order versions; a timestamp in another form must not make the listing unreadable.
  const created_at = typeof o.created_at === 'string' ? o.created_at : typeof o.created_at === 'number' ? new Date(o.created_at).toISOString() : null
  if (file_path === undefined) return `file_path is ${typeof o.file_path}`
  if (checksum === undefined) return `checksum is ${typeof o.checksum}`
  if (o.standalone !== undefined && o.standalone !== null && typeof o.standalone !== 'boolean') return `standalone is ${typeof o.standalone}`
  return { ...o, id, file_path, checksum, created_at, standalone: (o.standalone as boolean | null | undefined) ?? null }
}

export const KnowledgeSource = z.looseObject({
  slug: z.string().nullish(),
  name: z.string().nullish()
})

/**
 * `form` values are strings per the docs' script; a null (a credential without a session token)
 * is kept here and left out of the storage upload (s3.ts), never sent as the text "null".
 */
export const UploadForm = z.looseObject({
  id: Id,
  url: z.string().url(),
  form: z.record(z.string(), z.union([z.string(), z.null()]))
})
export type UploadForm = z.infer<typeof UploadForm>

export const UploadStatus = z.looseObject({
  status: z.string(),
  error_description: z.string().nullish(),
  file_name: z.string().nullish()
})
export type UploadStatus = z.infer<typeof UploadStatus>

/** Upload statuses: NOTES §1(d) reports INDEXED for success; the others are accepted defensively. */
export function statusKind(status: string): 'done' | 'failed' | 'pending' {
  const s = status.toUpperCase()
  if (['INDEXED', 'COMPLETED', 'DONE', 'EMBEDDED'].includes(s)) return 'done'
  if (s.endsWith('ERROR') || s === 'FAILED' || s === 'FAILURE' || s.endsWith('_FAILED')) return 'failed'
  return 'pending'
}

/** Pending words public clients report (NOTES §1(d)) or that plainly mean "not yet"; any other pending word is unknown. */
const KNOWN_PENDING = new Set(['NEW', 'PROCESSING', 'SPLITTED', 'SPLITTING', 'PENDING', 'QUEUED', 'IN_PROGRESS', 'INDEXING', 'EMBEDDING', 'UPLOADED'])

/** A status word the action knows: a done or failed word, or a known pending one. */
export function isKnownStatus(status: string): boolean {
  return statusKind(status) !== 'pending' || KNOWN_PENDING.has(status.toUpperCase())
}
