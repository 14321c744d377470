import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { VendorHttpError } from '../../src/errors.js'
import { HttpClient, retryAfterMs, type TokenSource } from '../../src/http.js'
import { memoryLog } from '../../src/log.js'
import { clearSecrets, registerSecret } from '../../src/secrets.js'

/** A real loopback server whose next answers each test scripts. */
type Script = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void
let server: http.Server
let base: string
let script: Script[] = []
let seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = []

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body })
      const next = script.shift()
      if (next) next(req, body, res)
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))
beforeEach(() => {
  script = []
  seen = []
  process.env.KS_HTTP_BACKOFF_MS = '5'
  clearSecrets()
})

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Script =>
  (_q, _b, res) =>
    void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))

function client(extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) {
  return new HttpClient({ vendor: 'Acme', baseUrl: `${base}/api/v1`, log: memoryLog(), ...extra })
}

class CountingTokens implements TokenSource {
  issued = 0
  invalidated: string[] = []
  async token() {
    return `tok-${this.issued === 0 ? ++this.issued : this.issued}`
  }
  invalidate(t: string) {
    this.invalidated.push(t)
    this.issued++
  }
}

describe('HttpClient', () => {
  it('joins paths below a base URL that has a path prefix, with query parameters', async () => {
    await client().request({ method: 'GET', url: '/things', query: { limit: 5, after: 'x y', skip: undefined }, operation: 'list things' })
    expect(seen[0]!.url).toBe('/api/v1/things?limit=5&after=x+y')
  })

  it('retries 429 after the Retry-After the server asked for, then succeeds', async () => {
    script = [json(429, { message: 'slow down' }, { 'retry-after': '1' }), json(200, { n: 1 })]
    const started = Date.now()
    const body = await client().json({ method: 'POST', url: '/things', json: {}, operation: 'create thing' }, z.object({ n: z.number() }))
    expect(body.n).toBe(1)
    expect(seen).toHaveLength(2)
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
  })

  it('retries a 500 for an idempotent request but not for a POST', async () => {
    script = [json(500, { message: 'boom' }), json(200, { ok: true })]
    await client().request({ method: 'GET', url: '/a', operation: 'read a' })
    expect(seen).toHaveLength(2)

    seen = []
    script = [json(500, { message: 'boom' }), json(200, { ok: true })]
    await expect(client().request({ method: 'POST', url: '/a', operation: 'create a' })).rejects.toThrow(/Acme: create a failed \(HTTP 500\): boom/)
    expect(seen).toHaveLength(1)
  })

  it('gives up after the retry budget with the last status in the message', async () => {
    script = Array.from({ length: 10 }, () => json(503, { error: 'unavailable' }))
    const err = await client({ maxRetries: 2 })
      .request({ method: 'GET', url: '/a', operation: 'read a' })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(VendorHttpError)
    expect((err as VendorHttpError).status).toBe(503)
    expect(seen).toHaveLength(3)
  })

  it('fetches a new token once on 401 and retries with it', async () => {
    const tokens = new CountingTokens()
    script = [json(401, { message: 'expired' }), json(200, { ok: true })]
    await client({ tokens }).request({ method: 'POST', url: '/a', operation: 'create a' })
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2'])
    expect(tokens.invalidated).toEqual(['tok-1'])

    seen = []
    script = [json(401, { message: 'no' }), json(401, { message: 'still no' })]
    await expect(client({ tokens: new CountingTokens() }).request({ method: 'GET', url: '/a', operation: 'read a' })).rejects.toThrow(/HTTP 401/)
    expect(seen).toHaveLength(2)
  })

  it('never sends the token to another origin, even when asked to', async () => {
    const other = http.createServer((req, res) => res.writeHead(204, { 'x-auth': String(req.headers.authorization ?? 'none') }).end())
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r))
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}/upload`
      const res = await client({ tokens: new CountingTokens() }).request({ method: 'PUT', url, auth: true, body: 'x', operation: 'upload bytes' })
      expect(res.headers['x-auth']).toBe('none')
      await client({ tokens: new CountingTokens() }).request({ method: 'GET', url: '/a', operation: 'read a' })
      expect(seen[0]!.headers.authorization).toBe('Bearer tok-1')
    } finally {
      await new Promise<void>((r) => other.close(() => r()))
    }
  })

  it('times out a stalled body and retries idempotent requests', async () => {
    script = [(_q, _b, res) => void res.writeHead(200, { 'content-type': 'application/json' }).write('{"partial":'), json(200, { ok: true })]
    const res = await client().request({ method: 'GET', url: '/slow', operation: 'read slow', timeoutMs: 300 })
    expect(res.json()).toEqual({ ok: true })
    expect(seen).toHaveLength(2)
  })

  it('keeps secrets out of error messages even when the server echoes them', async () => {
    registerSecret('hunter2-secret-value')
    script = [json(400, { message: 'bad client_secret hunter2-secret-value' })]
    const err = (await client()
      .request({ method: 'POST', url: '/a', operation: 'create a' })
      .catch((e: unknown) => e)) as Error
    expect(err.message).toContain('***')
    expect(err.message).not.toContain('hunter2-secret-value')
  })

  it('waits for X-RateLimit-Reset when the window is used up instead of running into 429s', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 1
    script = [json(200, { ok: 1 }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }), json(200, { ok: 2 })]
    const c = client()
    await c.request({ method: 'GET', url: '/a', operation: 'read a' })
    await c.request({ method: 'GET', url: '/a', operation: 'read a' })
    const gap = Date.now()
    expect(seen).toHaveLength(2)
    expect(gap).toBeGreaterThanOrEqual(reset * 1000 - 50)
  })

  it('rejects a response whose shape is not what the vendor documents', async () => {
    script = [json(200, { id: 5 })]
    await expect(client().json({ method: 'GET', url: '/a', operation: 'read a' }, z.object({ id: z.string() }))).rejects.toThrow(
      /unexpected response shape \(id:/
    )
  })

  it('sends an exact Content-Length for buffered bodies', async () => {
    await client().request({ method: 'POST', url: '/a', body: Buffer.from('héllo'), operation: 'send' })
    expect(seen[0]!.headers['content-length']).toBe('6')
    expect(seen[0]!.headers['transfer-encoding']).toBeUndefined()
  })
})

describe('HttpClient against hostile answers', () => {
  it('does not follow a redirect to another origin: the other host gets no request, and the message says why', async () => {
    const other = http.createServer((req, res) => {
      otherSeen.push(String(req.headers.authorization ?? 'none'))
      res.writeHead(200).end('{}')
    })
    const otherSeen: string[] = []
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r))
    try {
      const target = `http://127.0.0.1:${(other.address() as AddressInfo).port}/steal?sig=abc`
      script = [(_q, _b, res) => void res.writeHead(302, { location: target }).end()]
      const err = (await client({ tokens: new CountingTokens() })
        .request({ method: 'GET', url: '/a', operation: 'read a' })
        .catch((e: unknown) => e)) as Error
      expect(err).toBeInstanceOf(VendorHttpError)
      expect(err.message).toMatch(/HTTP 302.*redirected to http:\/\/127\.0\.0\.1:\d+; the action does not follow redirects/)
      expect(err.message).not.toContain('sig=abc')
      expect(otherSeen).toEqual([])
      expect(seen).toHaveLength(1)
    } finally {
      await new Promise<void>((r) => other.close(() => r()))
    }
  })

  it('gives up at once on Retry-After: 3600, saying the vendor asked to wait an hour', async () => {
    script = Array.from({ length: 3 }, () => json(429, { message: 'come back later' }, { 'retry-after': '3600' }))
    const started = Date.now()
    const err = (await client()
      .request({ method: 'GET', url: '/a', operation: 'read a' })
      .catch((e: unknown) => e)) as Error
    expect(Date.now() - started).toBeLessThan(5000)
    expect(seen).toHaveLength(1)
    expect(err.message).toMatch(/HTTP 429.*asked us to wait an hour before trying again/)
  })

  it('redacts a vendor message before cutting it, so no part of a secret across the cut survives', async () => {
    const secret = 'S3CRET-abcdefghijklmnopqrstuvwxyz-0123456789'
    registerSecret(secret)
    // The secret starts at character 280 of the message and would straddle the 300-character cut.
    script = [json(400, { message: `${'x'.repeat(280)}${secret} tail` })]
    const err = (await client()
      .request({ method: 'POST', url: '/a', operation: 'create a' })
      .catch((e: unknown) => e)) as Error
    expect(err.message).not.toContain(secret.slice(0, 12))
    expect(err.message).toContain('***')
  })

  it('leaks nothing when an error body echoes the Authorization header, in any encoding', async () => {
    const token = 'tok/en+with=odd chars'
    registerSecret(token)
    const tokens = { refreshable: false, token: async () => token, invalidate: () => undefined }
    script = [
      (req, _b, res) =>
        void res.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            message: `bad request; headers were ${JSON.stringify(req.headers)} url=${encodeURIComponent(token)} form=${new URLSearchParams({ t: token })} b64=${Buffer.from(token).toString('base64')}`
          }).replace(/\//g, '\\/')
        )
    ]
    const err = (await client({ tokens })
      .request({ method: 'POST', url: '/a', operation: 'create a' })
      .catch((e: unknown) => e)) as Error
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${token}`)
    for (const spelling of [token, 'tok\\/en', encodeURIComponent(token), 'odd+chars', Buffer.from(token).toString('base64')])
      expect(err.message).not.toContain(spelling)
  })
})

describe('retryAfterMs', () => {
  it('reads seconds, HTTP dates and epoch resets', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(retryAfterMs({ 'retry-after': '3' }, now)).toBe(3000)
    expect(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000)
    expect(retryAfterMs({ 'x-ratelimit-reset': String(now / 1000 + 7) }, now)).toBe(7000)
    expect(retryAfterMs({}, now)).toBeUndefined()
  })
})

describe('response size cap', () => {
  const big =
    (bytes: number, withLength: boolean): Script =>
    (_q, _b, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(withLength ? { 'content-length': String(bytes) } : {}) })
      // Written in pieces, as a server streaming without end would.
      const piece = Buffer.alloc(64 * 1024, 32)
      let sent = 0
      const more = () => {
        while (sent < bytes) {
          const n = Math.min(piece.length, bytes - sent)
          sent += n
          if (!res.write(piece.subarray(0, n))) return void res.once('drain', more)
        }
        res.end()
      }
      res.on('error', () => undefined)
      more()
    }

  it('fails a body larger than the default 16 MiB with a clear message, and does not ask again', async () => {
    script = [big(17 * 1024 * 1024, false)]
    const error = await client()
      .request({ method: 'GET', url: '/objects', operation: 'list objects' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(VendorHttpError)
    expect((error as Error).message).toBe(
      'Acme: list objects failed (HTTP 200): the response is larger than 16 MiB, the most the action reads for this request; the vendor sent far more than this call ever returns'
    )
    expect(seen).toHaveLength(1)
  })

  it('takes a cap per client and per request, and refuses a declared Content-Length over it before reading', async () => {
    script = [big(2048, true), big(2048, false), big(2048, true)]
    await expect(client({ maxBodyBytes: 1024 }).request({ method: 'GET', url: '/a', operation: 'read a' })).rejects.toThrow(/larger than 1024 bytes/)
    await expect(client({ maxBodyBytes: 1024 }).request({ method: 'GET', url: '/b', operation: 'read b' })).rejects.toThrow(/larger than 1024 bytes/)
    const res = await client({ maxBodyBytes: 1024 }).request({ method: 'GET', url: '/c', operation: 'read c', maxBodyBytes: 4096 })
    expect(res.body).toHaveLength(2048)
  })

  it('marks a request that got no answer, so a caller can tell it may have been applied', async () => {
    script = [(req) => req.socket.destroy()]
    const error = await client()
      .request({ method: 'POST', url: '/things', operation: 'add a thing', json: {} })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ noAnswer: true, status: undefined })
  })
})
