import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { redact, clearSecrets } from '../../src/secrets.js'
import { staticTokens } from '../../src/http.js'
import { memoryLog } from '../../src/log.js'
import { RefreshingTokens, TokenCache, requestToken, tokenEndpointClient } from '../../src/tokens.js'
import { StackSpotTokens } from '../../src/vendors/stackspot/auth.js'
import { TelzinoTokens } from '../../src/vendors/telzino/auth.js'

describe('RefreshingTokens', () => {
  it('shares one request among parallel callers, masks the token, and fetches again after invalidate', async () => {
    clearSecrets()
    let fetches = 0
    const tokens = new RefreshingTokens(async () => {
      fetches++
      await new Promise((r) => setTimeout(r, 20))
      return { accessToken: `token-number-${fetches}`, expiresIn: 1200 }
    }, 1200)
    const first = await Promise.all([tokens.token(), tokens.token(), tokens.token()])
    expect(first).toEqual(['token-number-1', 'token-number-1', 'token-number-1'])
    expect(fetches).toBe(1)
    expect(redact('Bearer token-number-1')).toBe('Bearer ***')
    tokens.invalidate('some-other-token')
    expect(await tokens.token()).toBe('token-number-1')
    tokens.invalidate('token-number-1')
    expect(await tokens.token()).toBe('token-number-2')
  })

  it('refreshes a short-lived token before it expires instead of sending a dead one', async () => {
    let fetches = 0
    const tokens = new RefreshingTokens(async () => ({ accessToken: `short-lived-${++fetches}`, expiresIn: 0.2 }), 1200)
    expect(await tokens.token()).toBe('short-lived-1')
    await new Promise((r) => setTimeout(r, 150))
    expect(await tokens.token()).toBe('short-lived-2')
  })
})

describe('TokenCache', () => {
  it('builds one token source per key and hands the same one to every caller', () => {
    const cache = new TokenCache()
    let built = 0
    const make = () => {
      built++
      return staticTokens('k')
    }
    const first = cache.get('stackspot\nhttps://idm\ncid', make)
    expect(cache.get('stackspot\nhttps://idm\ncid', make)).toBe(first)
    expect(cache.get('stackspot\nhttps://idm\nother', make)).not.toBe(first)
    expect(built).toBe(2)
    expect(new TokenCache().get('stackspot\nhttps://idm\ncid', make)).not.toBe(first)
  })
})

describe('token endpoints that answer something other than a token', () => {
  /** The token endpoint's next answers, as [status, content-type, body]. */
  let answers: Array<[number, string, string]> = []
  let server: http.Server
  let url: string
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        const [status, type, body] = answers.shift() ?? [500, 'text/plain', 'no answer scripted']
        res.writeHead(status, { 'content-type': type }).end(body)
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))
  beforeEach(() => {
    clearSecrets()
    answers = []
    process.env.KS_HTTP_BACKOFF_MS = '5'
  })

  const LIVE = 'live-access-token-9f8e7d6c5b4a'
  const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJl'
  const client = () => tokenEndpointClient({ vendor: 'Acme', baseUrl: url, log: memoryLog() })
  const send = () => requestToken(client(), { method: 'POST', url, operation: 'get an access token', json: {}, auth: false, idempotent: true })
  const ask = () =>
    send().then(
      () => new Error('no error'),
      (e: unknown) => e as Error
    )
  /** Every spelling of `value` that must not be in `text`. */
  const spellings = (value: string) => [value, encodeURIComponent(value), Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url')]

  it('a 200 form-encoded answer: the error names the format, not the body, and the token is masked first', async () => {
    answers = [[200, 'application/x-www-form-urlencoded', `access_token=${LIVE}&token_type=bearer&refresh_token=rt-0123456789`]]
    const err = await ask()
    expect(err.message).toMatch(
      /Acme: get an access token failed \(HTTP 200\): the token endpoint answered a form-encoded body \(fields: access_token, token_type, refresh_token\) instead of JSON; the body is not shown/
    )
    for (const s of [...spellings(LIVE), 'rt-0123456789']) expect(err.message).not.toContain(s)
    expect(redact(`leaked ${LIVE} and rt-0123456789`)).toBe('leaked *** and ***')
  })

  it('a 200 HTML page holding a token: no HTML, no token, and a hint at the auth URL', async () => {
    answers = [[200, 'text/html; charset=utf-8', `<!doctype html><html><body><script>var access_token="${LIVE}"; var id='${JWT}'</script></body></html>`]]
    const err = await ask()
    expect(err.message).toMatch(/answered an HTML page .* instead of JSON.*Check the auth URL/)
    expect(err.message).not.toMatch(/<|script/)
    expect(redact(`${LIVE} ${JWT}`)).toBe('*** ***')
  })

  it('a 200 JSON answer without an access_token: field names only', async () => {
    answers = [[200, 'application/json', JSON.stringify({ data: { access_token: LIVE }, token_type: 'bearer' })]]
    const err = await ask()
    expect(err.message).toMatch(/answered JSON without a usable `access_token` \(fields: data, token_type\)/)
    expect(err.message).not.toContain(LIVE)
    expect(redact(LIVE)).toBe('***')
  })

  it('a 401 invalid_client: the OAuth error and its description, nothing else', async () => {
    answers = [[401, 'application/json', JSON.stringify({ error: 'invalid_client', error_description: 'Client authentication failed', debug: `echo ${LIVE}` })]]
    const err = await ask()
    expect(err.message).toBe('Acme: get an access token failed (HTTP 401): invalid_client: Client authentication failed')
  })

  it('a 500 HTML error page is retried, then reported by kind without its text', async () => {
    answers = Array.from(
      { length: 6 },
      () => [500, 'text/html', `<html><body>Internal error; request had access_token=${LIVE}</body></html>`] as [number, string, string]
    )
    const err = await ask()
    expect(err.message).toMatch(/HTTP 500\): an HTML page/)
    expect(err.message).not.toContain(LIVE)
    expect(redact(LIVE)).toBe('***')
  })

  it('a JSON token is returned as before', async () => {
    answers = [[200, 'application/json', JSON.stringify({ access_token: LIVE, expires_in: 300, token_type: 'bearer' })]]
    expect(await send()).toEqual({ accessToken: LIVE, expiresIn: 300 })
  })

  it('StackSpot and Telzino mask the client secret as HTTP Basic credentials and use the same rules', async () => {
    for (const [Tokens, id] of [
      [StackSpotTokens, 'ss-client'],
      [TelzinoTokens, 'tz-client']
    ] as const) {
      clearSecrets()
      answers = [[200, 'application/x-www-form-urlencoded', `access_token=${LIVE}&token_type=bearer`]]
      const tokens = new Tokens({ clientId: id, clientSecret: 'client-secret-xyz', authUrl: url }, memoryLog())
      const err = (await tokens.token().catch((e: unknown) => e)) as Error
      expect(err.message).toMatch(/form-encoded body/)
      expect(err.message).not.toContain(LIVE)
      expect(redact(`Basic ${Buffer.from(`${id}:client-secret-xyz`).toString('base64')}`)).toBe('Basic ***')
    }
  })
})
