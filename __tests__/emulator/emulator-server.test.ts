/** The emulator framework: routing, generic faults, the admin API and the request log. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { EmuError, type Router, type VendorEmulator } from '../../emulator/framework.ts'
import { startEmulator, type RequestRecord, type RunningEmulator } from '../../emulator/server.ts'

let items: string[] = []
const echo: VendorEmulator = {
  name: 'echo',
  register(router: Router) {
    router.add('GET', '/echo/items/:id', (req) => ({ status: 200, json: { id: req.params.id } }))
    router.add('POST', '/echo/items', (req) => {
      const body = req.json() as { name?: string }
      if (!body.name) throw new EmuError(400, { message: 'name is required' })
      items.push(body.name)
      return { status: 201, json: { created: body.name } }
    })
  },
  state: () => ({ items }),
  reset: () => {
    items = []
  },
  seed: (body) => {
    items.push(...((body as { items: string[] }).items ?? []))
    return { items }
  }
}

let emu: RunningEmulator
beforeAll(async () => {
  emu = await startEmulator({ vendors: [echo] })
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

const post = (path: string, body: unknown) =>
  fetch(`${emu.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })

describe('emulator server', () => {
  it('listens on loopback only', () => {
    expect(new URL(emu.url).hostname).toBe('127.0.0.1')
  })

  it('routes with parameters and answers handler errors with their status', async () => {
    expect(await (await fetch(`${emu.url}/echo/items/a%20b`)).json()).toEqual({ id: 'a b' })
    const bad = await post('/echo/items', {})
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ message: 'name is required' })
    expect((await fetch(`${emu.url}/nowhere`)).status).toBe(404)
  })

  it('injects N× status faults with Retry-After, then behaves again', async () => {
    await post('/_emulator/faults', { route: 'POST /echo/items', kind: 'status', status: 429, retryAfter: 2, times: 2 })
    const first = await post('/echo/items', { name: 'x' })
    expect(first.status).toBe(429)
    expect(first.headers.get('retry-after')).toBe('2')
    expect((await post('/echo/items', { name: 'x' })).status).toBe(429)
    expect((await post('/echo/items', { name: 'x' })).status).toBe(201)
    expect(items).toEqual(['x'])
  })

  it('matches faults on a substring of the body, for a persistent failure of one file', async () => {
    await post('/_emulator/faults', { route: '*', match: 'bad.md', kind: 'status', status: 500, persistent: true })
    for (let i = 0; i < 3; i++) expect((await post('/echo/items', { name: 'docs/bad.md' })).status).toBe(500)
    expect((await post('/echo/items', { name: 'docs/good.md' })).status).toBe(201)
  })

  it('adds latency, resets connections and stalls bodies', async () => {
    await post('/_emulator/faults', { route: 'GET /echo/items/:id', kind: 'latency', ms: 150 })
    const t = Date.now()
    await fetch(`${emu.url}/echo/items/1`)
    expect(Date.now() - t).toBeGreaterThanOrEqual(140)

    await post('/_emulator/faults', { route: 'GET /echo/items/:id', kind: 'reset' })
    await expect(fetch(`${emu.url}/echo/items/1`)).rejects.toThrow()

    await post('/_emulator/faults', { route: 'GET /echo/items/:id', kind: 'stall' })
    const res = await fetch(`${emu.url}/echo/items/1`, { signal: AbortSignal.timeout(300) })
    expect(res.status).toBe(200)
    await expect(res.text()).rejects.toThrow()
  })

  it('applies a write and then loses its answer: a 500, or a dropped connection', async () => {
    await post('/_emulator/faults', { route: 'POST /echo/items', kind: 'applied' })
    const lost = await post('/echo/items', { name: 'first' })
    expect(lost.status).toBe(500)
    expect(await lost.json()).toMatchObject({ error: 'injected_fault' })
    // biome-ignore lint/suspicious/noThenProperty: `then` is the fault API's field for what follows the applied write
    await post('/_emulator/faults', { route: 'POST /echo/items', kind: 'applied', then: 'reset' })
    await expect(post('/echo/items', { name: 'second' })).rejects.toThrow()
    expect(items).toEqual(['first', 'second'])
    expect(emu.requests.map((r) => `${r.route} ${r.status}`)).toEqual(['POST /echo/items 500', 'POST /echo/items -1'])
  })

  it('applies a write at once and answers it late: the write is visible before its answer arrives', async () => {
    await post('/_emulator/faults', { route: 'POST /echo/items', kind: 'late', ms: 300 })
    const answer = post('/echo/items', { name: 'slow' })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(items).toEqual(['slow'])
    let answered = false
    void answer.then(() => {
      answered = true
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(answered).toBe(false)
    expect((await answer).status).toBe(201)
  })

  it('exposes state, seeding, the request log and reset over HTTP', async () => {
    await post('/_emulator/seed/echo', { items: ['by-hand'] })
    await post('/echo/items', { name: 'synced' })
    expect(await (await fetch(`${emu.url}/_emulator/state/echo`)).json()).toEqual({ items: ['by-hand', 'synced'] })
    const log = (await (await fetch(`${emu.url}/_emulator/requests`)).json()) as RequestRecord[]
    expect(log.map((r) => `${r.route} ${r.status}`)).toEqual(['POST /echo/items 201'])
    await post('/_emulator/reset', {})
    expect(emu.state()).toEqual({ echo: { items: [] } })
  })
})
