import { randomBytes } from 'node:crypto'

/**
 * The body of a pre-signed S3 POST: every form field the upload form returned, then the file as
 * the LAST part (S3 ignores fields after the file). Built as one Buffer so the Content-Length is
 * exact; S3 refuses a POST without one.
 */
export function presignedPostBody(form: Readonly<Record<string, string>>, fileName: string, bytes: Buffer): { body: Buffer; contentType: string } {
  const boundary = `----knowledge-sync-${randomBytes(12).toString('hex')}`
  const chunks: Buffer[] = []
  for (const [name, value] of Object.entries(form)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`, 'utf8'))
  }
  const base = fileName.split('/').pop() || 'file'
  chunks.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quote(base)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      'utf8'
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8')
  )
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** Quotes a Content-Disposition parameter the way browsers do (RFC 7578 §4.2). */
function quote(value: string): string {
  return value.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22')
}

/** S3 answers with XML: pull out `<Code>` and `<Message>` for the user. */
export function describeS3Error(_status: number, _body: unknown, text: string): string | undefined {
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1]
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1]
  if (!code && !message) return undefined
  return [code, message].filter(Boolean).join(': ')
}
