import { describe, expect, it } from 'vitest'
import { redact, clearSecrets } from '../../src/secrets.js'
import { staticTokens } from '../../src/http.js'
import { RefreshingTokens, TokenCache } from '../../src/tokens.js'

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
    const make = () => (built++, staticTokens('k'))
    const first = cache.get('stackspot\nhttps://idm\ncid', make)
    expect(cache.get('stackspot\nhttps://idm\ncid', make)).toBe(first)
    expect(cache.get('stackspot\nhttps://idm\nother', make)).not.toBe(first)
    expect(built).toBe(2)
    expect(new TokenCache().get('stackspot\nhttps://idm\ncid', make)).not.toBe(first)
  })
})
