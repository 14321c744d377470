import { randomBytes } from 'node:crypto'

/** One part of a multipart/form-data body: a text field, or a file when `filename` is set. */
export interface FormPart {
  readonly name: string
  readonly value: string | Buffer
  readonly filename?: string
  /** The file's type; files only. Default application/octet-stream. */
  readonly contentType?: string
}

/**
 * A multipart/form-data body (RFC 7578) with the parts in the order given, built as one Buffer so
 * the Content-Length is exact (S3 refuses a POST without one). The boundary is random, so no doc
 * can contain it by chance.
 */
export function multipartBody(parts: readonly FormPart[]): { body: Buffer; contentType: string } {
  const boundary = `----knowledge-sync-${randomBytes(12).toString('hex')}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quote(part.name)}"`
    if (part.filename !== undefined) head += `; filename="${quote(part.filename)}"\r\nContent-Type: ${part.contentType ?? 'application/octet-stream'}`
    chunks.push(
      Buffer.from(`${head}\r\n\r\n`, 'utf8'),
      typeof part.value === 'string' ? Buffer.from(part.value, 'utf8') : part.value,
      Buffer.from('\r\n', 'utf8')
    )
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'))
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** Quotes a Content-Disposition parameter the way browsers do (RFC 7578 §4.2). */
function quote(value: string): string {
  return value.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22')
}
