import { buffer } from 'node:stream/consumers'
import { ZipArchive } from 'archiver'
import { readDoc } from '../../docs/read.js'
import type { LocalDoc } from '../../docs/types.js'

/** "When adding new files to a Knowledge Source, the limit is 10 MiB." */
export const STACKSPOT_LIMIT_BYTES = 10 * 1024 * 1024
/** Zip bytes per entry beyond its content: local header + central directory + data descriptor, plus the name twice. */
const ENTRY_OVERHEAD = 128

/**
 * How much content one zip may carry. The docs do not say whether 10 MiB limits the archive or
 * its contents, so a zip is filled only until its *uncompressed* content (plus zip overhead) stays
 * under 10 MiB: it then satisfies either reading, whatever compression achieves.
 */
export function zipCost(doc: Pick<LocalDoc, 'key' | 'size'>): number {
  return doc.size + ENTRY_OVERHEAD + 2 * Buffer.byteLength(doc.key)
}
export const ZIP_BUDGET = STACKSPOT_LIMIT_BYTES - 64 * 1024

/** A zip entry name must be a relative POSIX path inside the archive. */
export function unsafeEntryName(key: string): string | undefined {
  if (key === '' || key.startsWith('/') || /^[A-Za-z]:/.test(key)) return 'is absolute or empty'
  if (key.includes('\\') || key.includes('\0')) return 'contains a backslash or NUL'
  if (key.split('/').some((s) => s === '..' || s === '.' || s === '')) return 'has an empty, "." or ".." segment'
  return undefined
}

/** First-fit groups under the budget, in key order; docs that fit no zip come back in `tooLarge`. */
export function groupForZips<T extends Pick<LocalDoc, 'key' | 'size'>>(docs: readonly T[], budget = ZIP_BUDGET): { groups: T[][]; tooLarge: T[] } {
  const groups: Array<{ docs: T[]; cost: number }> = []
  const tooLarge: T[] = []
  for (const doc of [...docs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const cost = zipCost(doc)
    if (cost > budget) {
      tooLarge.push(doc)
      continue
    }
    const group = groups.find((g) => g.cost + cost <= budget)
    if (group) {
      group.docs.push(doc)
      group.cost += cost
    } else groups.push({ docs: [doc], cost })
  }
  return { groups: groups.map((g) => g.docs), tooLarge }
}

/** Entry dates are fixed, so the same docs always give the same bytes (a zip is never dated by the run). */
const ENTRY_DATE = new Date(1980, 0, 1)

/**
 * Entries as one zip in memory: a batch is at most 10 MiB and is posted whole, so a temp file
 * would only be written to be read back. archiver writes the zip (deflate, UTF-8 names); its
 * output stream is collected into the Buffer.
 */
export async function zipInMemory(entries: ReadonlyArray<{ name: string; content: Buffer }>): Promise<Buffer> {
  const archive = new ZipArchive({ zlib: { level: 6 } })
  const zipped = buffer(archive)
  for (const e of entries) archive.append(e.content, { name: e.name, date: ENTRY_DATE })
  await archive.finalize()
  return zipped
}

/**
 * The docs as one zip in memory, each entry named `entryName(doc)` (the file path StackSpot gives
 * its object). Each file is read through readDoc (no symlinks, unchanged size), one at a time.
 */
export async function writeZip(docs: readonly LocalDoc[], entryName: (doc: LocalDoc) => string = (d) => d.key): Promise<Buffer> {
  const names = docs.map((d) => {
    const name = entryName(d)
    const why = unsafeEntryName(name)
    if (why) throw new Error(`${d.path} cannot go into a zip: its name ${why}`)
    return name
  })
  const entries: Array<{ name: string; content: Buffer }> = []
  for (const [i, d] of docs.entries()) entries.push({ name: names[i]!, content: await readDoc(d) })
  return zipInMemory(entries)
}
