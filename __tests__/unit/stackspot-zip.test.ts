/** The StackSpot zip batch, built in memory: what a standard zip reader (yauzl, as the emulator uses) gets back. */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import yauzl from 'yauzl'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalDoc } from '../../src/docs/types.js'
import { writeZip } from '../../src/vendors/stackspot/zip.js'
import { localDoc } from '../helpers/fixtures.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ks-zip-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

async function doc(path: string, content: string | Buffer, key = path): Promise<LocalDoc> {
  const abs = join(dir, path)
  await mkdir(dirname(abs), { recursive: true })
  await writeFile(abs, content)
  return { ...localDoc(path), key, absPath: abs, size: Buffer.byteLength(content) }
}

async function entries(zip: Buffer): Promise<Array<{ name: string; method: number; content: string }>> {
  const file = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, z) => (err || !z ? reject(err) : resolve(z)))
  )
  const out: Array<{ name: string; method: number; content: string }> = []
  await new Promise<void>((resolve, reject) => {
    file.on('error', reject)
    file.on('end', resolve)
    file.on('entry', (entry: yauzl.Entry) =>
      file.openReadStream(entry, (err, stream) => {
        if (err || !stream) return reject(err)
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('error', reject)
        stream.on('end', () => {
          out.push({ name: entry.fileName, method: entry.compressionMethod, content: Buffer.concat(chunks).toString('utf8') })
          file.readEntry()
        })
      })
    )
    file.readEntry()
  })
  return out
}

describe('writeZip', () => {
  const alpha = `# Alpha\n\n${'Some text that compresses. '.repeat(50)}`

  it('holds every doc under its key, deflated (an empty one stored), with UTF-8 names, and gives the same bytes for the same docs', async () => {
    const docs = [
      await doc('docs/a.md', alpha),
      await doc('docs/ünïcode/日本語 guide.md', '# 日本語\n'),
      await doc('docs/empty.md', ''),
      await doc('docs/b.md', '# Beta\n', 'team/docs/b.md')
    ]
    const zip = await writeZip(docs)
    expect(await entries(zip)).toEqual([
      { name: 'docs/a.md', method: 8, content: alpha },
      { name: 'docs/ünïcode/日本語 guide.md', method: 8, content: '# 日本語\n' },
      // archiver stores an empty file rather than deflating nothing
      { name: 'docs/empty.md', method: 0, content: '' },
      { name: 'team/docs/b.md', method: 8, content: '# Beta\n' }
    ])
    expect(zip.length).toBeLessThan(1400)
    expect((await writeZip(docs)).equals(zip)).toBe(true)
  })

  it('names entries as the caller asks (the stored name under the namespace)', async () => {
    const docs = [await doc('docs/c.md', '# Gamma\n')]
    const zip = await writeZip(docs, (d) => `octo/docs/${d.key}`)
    expect(await entries(zip)).toEqual([{ name: 'octo/docs/docs/c.md', method: 8, content: '# Gamma\n' }])
    await expect(writeZip(docs, () => 'octo/../c.md')).rejects.toThrow(/cannot go into a zip/)
  })

  it('refuses an unsafe entry name and a file swapped for a symlink', async () => {
    await expect(writeZip([await doc('docs/x.md', 'x', '../x.md')])).rejects.toThrow(/cannot go into a zip/)
    const swapped = await doc('docs/link.md', 'x')
    await rm(swapped.absPath)
    await symlink('/etc/hostname', swapped.absPath)
    await expect(writeZip([swapped])).rejects.toThrow()
  })
})
