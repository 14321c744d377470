import { multipartBody } from './multipart.js'

/**
 * The body of a pre-signed S3 POST: every form field the upload form returned, then the file as
 * the LAST part (S3 ignores fields after the file). A null field is left out: the policy S3 checks
 * does not cover it, and the text "null" would be refused (or worse, signed as a token).
 */
export function presignedPostBody(form: Readonly<Record<string, string | null>>, fileName: string, bytes: Buffer): { body: Buffer; contentType: string } {
  const fields = Object.entries(form)
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([name, value]) => ({ name, value }))
  return multipartBody([...fields, { name: 'file', value: bytes, filename: fileName.split('/').pop() || 'file' }])
}

/** S3 answers with XML: pull out `<Code>` and `<Message>` for the user. */
export function describeS3Error(_status: number, _body: unknown, text: string): string | undefined {
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1]
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1]
  if (!code && !message) return undefined
  return [code, message].filter(Boolean).join(': ')
}
