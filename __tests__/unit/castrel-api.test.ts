/**
 * The envelope check: Castrel answers refusals with HTTP 200 and `code != 200`, which must fail with
 * the vendor's message (and the fix, when the code is one the user can act on).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpClient, staticTokens } from '../../src/http.js'
import { memoryLog } from '../../src/log.js'
import { CastrelApi } from '../../src/vendors/castrel/api.js'

let server: Server
let url: string
let answer: unknown
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(answer))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const api = () =>
  new CastrelApi(new HttpClient({ vendor: 'Castrel', baseUrl: url, tokens: staticTokens('pat-x'), log: memoryLog(), maxRetries: 0 }), (code) =>
    code === 401 ? 'Check `api-key`.' : undefined
  )

describe('CastrelApi envelope', () => {
  it('returns data on code 200', async () => {
    answer = { code: 200, message: 'common.success', data: { page: null, items: [{ id: 1, name: 'n' }] } }
    expect((await api().list({})).items.map((k) => k.name)).toEqual(['n'])
  })

  it('fails on HTTP 200 with code 400, showing the vendor message', async () => {
    answer = { code: 400, message: 'knowledge.name_required', data: null }
    await expect(api().upsert({ name: '' }, 'save the knowledge for a.md')).rejects.toThrow(
      /save the knowledge for a\.md failed.*code 400: knowledge\.name_required/
    )
  })

  it('adds the fix when a bad PAT comes back as HTTP 200 with code 401', async () => {
    answer = { code: 401, message: 'auth.unauthorized', data: null }
    await expect(api().list({})).rejects.toThrow(/auth\.unauthorized Check `api-key`\./)
  })
})
