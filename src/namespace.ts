/**
 * The namespace: the part of a doc's name in the store that says which repository (or explicit
 * `namespace` input) wrote it. A run lists, replaces and deletes only what carries its own
 * namespace, so repositories with the same paths can share one store. Vendors without a place of
 * their own for it (StackSpot's file path, Staffify's entry tag) store `<namespace>/<key>`.
 */

/** Why `namespace` (as given) cannot be used, or undefined when it can. */
export function namespaceProblem(raw: string): string | undefined {
  const value = trimSlashes(raw.trim())
  const fix = 'Give a relative name such as `my-org/my-repo`, or leave it empty for the repository itself.'
  if (value === '') return raw.trim() === '' ? undefined : `\`namespace\` must name something besides slashes: "${raw}". ${fix}`
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return `\`namespace\` must not contain control characters. ${fix}`
  if (value.includes('\\')) return `\`namespace\` must use / between parts, not \\: "${raw}". ${fix}`
  if (value.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    return `\`namespace\` must not contain "..", "." or empty parts ("//"): "${raw}". ${fix}`
  }
  return undefined
}

/** The namespace as stored: slashes trimmed at both ends (`/octo/docs/` is `octo/docs`). */
export function normalizeNamespace(raw: string): string {
  return trimSlashes(raw.trim())
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, '')
}

/** `<namespace>/<key>`: the name a doc has in a store that keeps the namespace in the name. */
export function storedName(namespace: string, key: string): string {
  return `${namespace}/${key}`
}

/**
 * The doc key of a stored name in this namespace, or undefined when the name belongs to another
 * one. A leading `/` (a server that echoes file paths back absolute) is not part of the name.
 */
export function keyInNamespace(namespace: string, stored: string): string | undefined {
  const name = stored.replace(/^\/+/, '')
  const prefix = `${namespace}/`
  if (!name.startsWith(prefix) || name.length === prefix.length) return undefined
  return name.slice(prefix.length)
}

/**
 * The namespaces other than ours under which the store holds one of `keys` (stored names this
 * action wrote, e.g. an old repository name's `octo/old/docs/a.md` for our key `docs/a.md`).
 * A stored name equal to a key itself yields '': written before namespaces existed (1.0).
 */
export function otherNamespaces(namespace: string, stored: Iterable<string>, keys: Iterable<string>): string[] {
  const wanted = new Set(keys)
  const found = new Set<string>()
  for (const raw of stored) {
    const name = raw.replace(/^\/+/, '')
    if (keyInNamespace(namespace, name) !== undefined) continue
    if (wanted.has(name)) {
      found.add('')
      continue
    }
    // Every split point: a key may itself hold slashes, and so may a namespace.
    for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
      if (wanted.has(name.slice(i + 1))) found.add(name.slice(0, i))
    }
  }
  return [...found].sort()
}
