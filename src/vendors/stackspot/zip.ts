import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
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

export interface BuiltZip {
  path: string
  bytes: number
  dispose(): Promise<void>
}

/**
 * Streams the docs into a zip in a private temp dir, each entry named `entryName(doc)` (the file
 * path StackSpot gives its object). Each file is read through readDoc (no symlinks, unchanged
 * size), one at a time, so memory stays flat.
 */
export async function writeZip(
  docs: readonly LocalDoc[],
  entryName: (doc: LocalDoc) => string,
  tempRoot = process.env.RUNNER_TEMP || tmpdir()
): Promise<BuiltZip> {
  for (const d of docs) {
    const why = unsafeEntryName(entryName(d))
    if (why) throw new Error(`${d.path} cannot go into a zip: its name ${why}`)
  }
  const dir = await mkdtemp(join(tempRoot, 'ks-stackspot-zip-'))
  const path = join(dir, 'objects.zip')
  const dispose = () => rm(dir, { recursive: true, force: true })
  try {
    const archive = new ZipArchive({ zlib: { level: 6 } })
    const done = pipeline(archive, createWriteStream(path, { mode: 0o600 }))
    for (const d of docs) {
      archive.append(await readDoc(d), { name: entryName(d) })
    }
    await archive.finalize()
    await done
    return { path, bytes: (await stat(path)).size, dispose }
  } catch (error) {
    await dispose()
    throw error
  }
}
