import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import type { LocalDoc } from './types.js'

/**
 * Reads a doc's bytes. O_NOFOLLOW refuses a symlink swapped in after the scan, and the size check
 * refuses a file that changed since it was hashed, so what is uploaded is what was planned.
 */
export async function readDoc(doc: Pick<LocalDoc, 'absPath' | 'size' | 'path'>): Promise<Buffer> {
  const handle = await open(doc.absPath, constants.O_RDONLY | constants.O_NOFOLLOW)
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) throw new Error(`${doc.path} is no longer a regular file`)
    if (stat.size !== doc.size) throw new Error(`${doc.path} changed while the action ran (${doc.size} → ${stat.size} bytes)`)
    return await handle.readFile()
  } finally {
    await handle.close()
  }
}
