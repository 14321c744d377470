/**
 * A strict multipart/form-data parser for the emulators. It keeps the parts in wire order, because
 * S3's POST policy cares where the `file` field is, and it does not tolerate sloppy framing.
 */
import type { EmuError } from './framework.ts'

export interface Part {
  readonly name: string
  readonly filename: string | undefined
  readonly contentType: string | undefined
  readonly data: Buffer
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /^multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '')
  return m ? (m[1] ?? m[2]) : undefined
}

/** Parts in the order they were sent. Throws `error(detail)` for a malformed body. */
export function parseMultipart(body: Buffer, contentType: string | undefined, error: (detail: string) => EmuError): Part[] {
  const boundary = boundaryOf(contentType)
  if (!boundary) throw error('Content-Type must be multipart/form-data with a boundary')
  const delimiter = Buffer.from(`--${boundary}`)
  const parts: Part[] = []
  let pos = body.indexOf(delimiter)
  if (pos !== 0) throw error('the body does not start with the multipart boundary')
  for (;;) {
    pos += delimiter.length
    if (body.subarray(pos, pos + 2).toString() === '--') return parts
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') throw error('malformed multipart boundary line')
    pos += 2
    const headerEnd = body.indexOf('\r\n\r\n', pos)
    if (headerEnd < 0) throw error('a multipart part has no header terminator')
    const headers = new Map<string, string>()
    for (const line of body.subarray(pos, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':')
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4)
    if (next < 0) throw error('a multipart part is not terminated by the boundary')
    const disposition = headers.get('content-disposition') ?? ''
    const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1]
    if (name === undefined) throw error('a multipart part has no Content-Disposition name')
    const filename = /(?:^|;)\s*filename="([^"]*)"/i.exec(disposition)?.[1]
    parts.push({ name, filename, contentType: headers.get('content-type'), data: body.subarray(headerEnd + 4, next) })
    pos = next + 2
  }
}
