/**
 * Vendor-supplied ids that go into URL paths. URL parsing resolves `.` and `..` segments (which
 * encodeURIComponent leaves as they are), so a listed id `..` would turn `DELETE …/objects/..`
 * into a DELETE of the store itself; `/`, `\`, `?` and `#` end a segment or the path wherever a
 * server decodes them. Every adapter checks an id here before it builds a path with it.
 */
import { ActionError } from './errors.js'
import type { Log } from './log.js'

/** Why `id` cannot be one URL path segment, or undefined when it can. */
export function unsafeSegment(id: string): string | undefined {
  if (id === '') return 'it is empty'
  if (id === '.' || id === '..') return `"${id}" names a parent or current path`
  if (/[/\\?#]/.test(id)) return 'it contains /, \\, ? or #'
  if ([...id].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return 'it contains control characters'
  return undefined
}

/** `id` encoded as one URL path segment; throws rather than build a path that points elsewhere. */
export function pathSegment(id: string, what = 'id'): string {
  const why = unsafeSegment(id)
  if (why) throw new ActionError(`The ${what} ${JSON.stringify(id)} returned by the vendor cannot be used in a URL (${why}); nothing was sent with it.`)
  return encodeURIComponent(id)
}

/**
 * The items of a vendor listing whose id is safe in a URL path. The others are reported and left
 * out, so they are never changed or deleted; `reported` keeps repeated listings from repeating it.
 */
export function withSafeIds<T>(items: readonly T[], idOf: (item: T) => string, describe: (item: T) => string, log: Log, reported?: Set<string>): T[] {
  const out: T[] = []
  for (const item of items) {
    const id = idOf(item)
    const why = unsafeSegment(id)
    if (!why) {
      out.push(item)
      continue
    }
    if (reported?.has(id)) continue
    reported?.add(id)
    log.warning(
      `Left alone ${describe(item)} with the id ${JSON.stringify(id)}: ${why}, so no URL can safely name it. Nothing is changed or deleted for it; check it in the vendor's UI.`
    )
  }
  return out
}
