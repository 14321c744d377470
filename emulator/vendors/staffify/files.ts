/** The uploaded document: the multipart file part, its magic number, and the vendor's parser stand-in. */
import type { EmuRequest } from '../../framework.ts'
import { boundaryOf, parseMultipart } from '../../multipart.ts'
import { err } from './validation.ts'

/** The first part named `file` with a file name, or undefined when the request carries none. */
export function multipartFile(req: EmuRequest): { filename: string; data: Buffer } | undefined {
  const type = req.headers['content-type']
  if (!boundaryOf(type)) return undefined
  const part = parseMultipart(req.body, type, (detail) => err(400, 'VALIDATION_ERROR', `Malformed multipart body: ${detail}`)).find(
    (p) => p.name === 'file' && p.filename !== undefined && p.filename !== ''
  )
  return part ? { filename: part.filename!, data: Buffer.from(part.data) } : undefined
}

export function magicMatches(ext: string, data: Buffer): boolean {
  switch (ext) {
    case 'pdf':
      return data.subarray(0, 5).toString('latin1') === '%PDF-'
    case 'docx':
      return data.length >= 4 && data.readUInt32BE(0) === 0x504b0304
    case 'doc':
      return data.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))
    case 'txt':
      // Text has no magic number; a NUL byte or invalid UTF-8 means a binary renamed to .txt.
      return !data.includes(0) && Buffer.from(data.toString('utf8'), 'utf8').equals(data)
    default:
      return false
  }
}

/** Stands in for the vendor's document parser: one entry per paragraph of readable text. */
export function extractEntries(filename: string, ext: string, data: Buffer): Array<{ q: string; a: string }> {
  const text = ext === 'txt' ? data.toString('utf8') : (data.toString('latin1').match(/[\x20-\x7e]{4,}/g) ?? []).join('\n')
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
  return paragraphs.map((p, i) => ({ q: `${filename} (part ${i + 1})`, a: p.slice(0, 7_900) }))
}
