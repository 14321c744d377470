import { beforeEach, describe, expect, it } from 'vitest'
import { truncate } from '../../src/http.js'
import { clearSecrets, redact, registerSecret } from '../../src/secrets.js'

beforeEach(() => clearSecrets())

describe('redact', () => {
  const secret = 'p@ss/w0rd+key=42 "quoted"'

  it.each([
    ['raw', secret],
    ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
    ['JSON with escaped slashes', JSON.stringify(secret).slice(1, -1).replace(/\//g, '\\/')],
    ['JSON with \\u00xx escapes', [...secret].map((c) => (/[a-z0-9]/i.test(c) ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('')],
    ['JSON with upper-case \\u00XX escapes', [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`).join('')],
    ['URL-encoded (%20)', encodeURIComponent(secret)],
    ['URL-encoded, lower-case hex', encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ['form-encoded (+ for a space)', new URLSearchParams({ v: secret }).toString().slice(2)],
    ['base64', Buffer.from(secret).toString('base64')],
    ['base64 without padding', Buffer.from(secret).toString('base64').replace(/=+$/, '')],
    ['base64url', Buffer.from(secret).toString('base64url')],
    ['base64, URL-encoded', encodeURIComponent(Buffer.from(secret).toString('base64'))]
  ])('removes the %s spelling', (_name, spelling) => {
    registerSecret(secret)
    expect(redact(`before ${spelling} after`)).toBe('before *** after')
  })

  it('removes the HTTP Basic form user:secret when the user is known, in base64 and base64url', () => {
    registerSecret('client-secret-value', { basicUser: 'my-client' })
    const basic = Buffer.from('my-client:client-secret-value')
    expect(redact(`Authorization: Basic ${basic.toString('base64')}`)).toBe('Authorization: Basic ***')
    expect(redact(`x=${basic.toString('base64url')}`)).toBe('x=***')
    expect(redact('my-client:client-secret-value')).toBe('my-client:***')
  })

  it('finds a raw secret in text with no escape character, and one spelled with escapes next to plain text', () => {
    registerSecret('plain-secret-value')
    registerSecret('abc-123')
    expect(redact('GET /v1/objects/plain-secret-value → 200 (12 ms)')).toBe('GET /v1/objects/*** → 200 (12 ms)')
    expect(redact('GET /v1/objects → 200 (12 ms), plain-secret-valu abc-12')).toBe('GET /v1/objects → 200 (12 ms), plain-secret-valu abc-12')
    expect(redact('a\u0062c-123 and plain%2Dsecret-value')).toBe('*** and ***')
    expect(redact('abc+123 xabc-1234')).toBe('abc+123 x***4')
  })

  it('replaces a secret containing another secret whole, and leaves other text alone', () => {
    registerSecret('abc-123')
    registerSecret('xyz-abc-123-789')
    expect(redact('a xyz-abc-123-789 b abc-123 c abc-12')).toBe('a *** b *** c abc-12')
  })

  it('ignores values too short to mask', () => {
    registerSecret('ab')
    expect(redact('ab cd')).toBe('ab cd')
  })
})

describe('truncate', () => {
  it('redacts before it cuts, so a secret across the cut leaves no prefix behind', () => {
    const secret = 'SECRET-0123456789abcdefghij'
    registerSecret(secret)
    const out = truncate(`${'a'.repeat(290)}${secret}`)
    expect(out).not.toContain('SECRET-0')
    expect(out.endsWith('***')).toBe(true)
  })
})
