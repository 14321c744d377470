/** What StackSpot accepts as a file or a zip: the size limits, safe paths, and reading a zip. */
import yauzl from 'yauzl'
import { EmuError } from '../../framework.ts'

/** "When adding new files to a Knowledge Source, the limit is 10 MiB." */
export const MAX_FILE_BYTES = 10 * 1024 * 1024
/** A zip is one upload: the same limit applies to the archive as a whole and to every entry. */
export const MAX_ZIP_BYTES = 10 * 1024 * 1024
/** Guards the emulator against zip bombs; far above anything a 10 MiB archive of docs holds. */
const MAX_ZIP_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
const MAX_ZIP_ENTRIES = 50_000

/** A repo-relative POSIX path: no absolute, drive or `..` parts, no backslashes or NULs. */
export function unsafePath(path: string): string | undefined {
  if (path === '') return 'is empty'
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is absolute'
  if (path.includes('\\')) return 'contains a backslash'
  if (path.includes('\0')) return 'contains a NUL byte'
  if (path.split('/').some((s) => s === '..' || s === '.')) return 'contains a "." or ".." segment'
  return undefined
}

/** Every file in the zip, validated: safe relative names, sizes within the limits, no duplicates. */
export async function readZip(data: Buffer): Promise<Array<{ path: string; content: Buffer }>> {
  const bad = (message: string) => new EmuError(400, { message, code: 'INVALID_ZIP' })
  let zip: yauzl.ZipFile
  try {
    zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.fromBuffer(data, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, z) => (err || !z ? reject(err) : resolve(z)))
    )
  } catch (error) {
    throw bad(`objects_zip is not a valid zip file: ${error instanceof Error ? error.message : String(error)}`)
  }
  const entries: Array<{ path: string; content: Buffer }> = []
  const seen = new Set<string>()
  let total = 0
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject)
      zip.on('end', () => resolve())
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName
        if (name.endsWith('/')) return zip.readEntry()
        const unsafe = unsafePath(name)
        if (unsafe) return reject(bad(`zip entry "${name}" ${unsafe}`))
        if (seen.has(name)) return reject(bad(`zip entry "${name}" appears twice`))
        if (entry.uncompressedSize > MAX_FILE_BYTES) return reject(bad(`zip entry "${name}" is larger than the 10 MiB limit`))
        total += entry.uncompressedSize
        if (total > MAX_ZIP_UNCOMPRESSED_BYTES || seen.size >= MAX_ZIP_ENTRIES) return reject(bad('the zip expands beyond what a Knowledge Source accepts'))
        seen.add(name)
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err ?? new Error('no stream'))
          const chunks: Buffer[] = []
          stream.on('data', (c: Buffer) => chunks.push(c))
          stream.on('error', reject)
          stream.on('end', () => {
            entries.push({ path: name, content: Buffer.concat(chunks) })
            zip.readEntry()
          })
        })
      })
      zip.readEntry()
    })
  } catch (error) {
    if (error instanceof EmuError) throw error
    throw bad(`objects_zip could not be read: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    zip.close()
  }
  return entries
}
