/** The Staffify emulator held to shared/vendor-docs/staffify-knowledge-bases.txt and NOTES.md §3. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import {
  STAFFIFY_DEMO_KEY,
  createStaffifyEmulator,
  type StaffifyEmulator,
  type StaffifySeed,
  type StaffifySeeded
} from '../../emulator/vendors/staffify/index.ts'

let emu: RunningEmulator<StaffifyEmulator>
let api: string
beforeAll(async () => {
  emu = await startEmulator({ vendors: [createStaffifyEmulator()], processingMs: 60 })
  api = `${emu.url}/staffify/v1`
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

async function call(
  method: string,
  path: string,
  opts: { key?: string | null; body?: unknown; raw?: FormData | string; headers?: Record<string, string> } = {}
) {
  const headers: Record<string, string> = { ...opts.headers }
  const key = opts.key === undefined ? STAFFIFY_DEMO_KEY : opts.key
  if (key) headers.authorization = `Bearer ${key}`
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${api}${path}`, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : undefined }
}

const seed = (body: StaffifySeed) =>
  fetch(`${emu.url}/_emulator/seed/staffify`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json() as Promise<StaffifySeeded>)

async function newKb(name = 'Help') {
  const r = await call('POST', '/knowledge-bases', { body: { name } })
  expect(r.status).toBe(201)
  return r.body.knowledge_base.public_id as string
}

function upload(kbId: string, name: string, data: Buffer | string) {
  const form = new FormData()
  form.append('file', new Blob([typeof data === 'string' ? Buffer.from(data) : data]), name)
  return call('POST', `/knowledge-bases/${kbId}/entries/upload`, { raw: form })
}

describe('Staffify emulator: auth', () => {
  it('takes the key as Bearer or X-Api-Key and rejects missing or unknown keys with {code,message}', async () => {
    expect((await call('GET', '/knowledge-bases')).status).toBe(200)
    expect((await call('GET', '/knowledge-bases', { key: null, headers: { 'x-api-key': STAFFIFY_DEMO_KEY } })).status).toBe(200)
    const missing = await call('GET', '/knowledge-bases', { key: null })
    expect(missing).toMatchObject({ status: 401, body: { code: 'MISSING_API_KEY' } })
    const bad = await call('GET', '/knowledge-bases', { key: 'sfy_live_nope' })
    expect(bad.status).toBe(401)
    expect(bad.body).toEqual({ code: 'INVALID_API_KEY', message: expect.any(String) })
  })

  it('requires X-Project-Id for organization keys', async () => {
    await seed({ keys: [{ key: 'sfy_org_abcdef' }] })
    expect((await call('GET', '/knowledge-bases', { key: 'sfy_org_abcdef' })).body.code).toBe('VALIDATION_ERROR')
    expect((await call('GET', '/knowledge-bases', { key: 'sfy_org_abcdef', headers: { 'x-project-id': 'proj_1' } })).status).toBe(200)
  })

  it('refuses writes with a read-only key (403 READ_ONLY_KEY) but allows reads', async () => {
    await seed({ keys: [{ key: 'sfy_live_ro', readOnly: true }] })
    expect((await call('GET', '/knowledge-bases', { key: 'sfy_live_ro' })).status).toBe(200)
    const r = await call('POST', '/knowledge-bases', { key: 'sfy_live_ro', body: { name: 'x' } })
    expect(r).toMatchObject({ status: 403, body: { code: 'READ_ONLY_KEY' } })
  })

  it('402 INSUFFICIENT_CREDITS when the organization has no credits, 403 with count and cap at the entry cap', async () => {
    const kb = await newKb()
    await seed({ orgs: [{ id: 'org_demo', entryCap: 3 }] })
    expect(
      (
        await call('POST', `/knowledge-bases/${kb}/entries`, {
          body: [
            { q: '1', a: '1' },
            { q: '2', a: '2' }
          ]
        })
      ).status
    ).toBe(201)
    const capped = await call('POST', `/knowledge-bases/${kb}/entries`, {
      body: [
        { q: '3', a: '3' },
        { q: '4', a: '4' }
      ]
    })
    expect(capped.status).toBe(403)
    expect(capped.body.message).toMatch(/2 entries.*allows 3/)
    await seed({ orgs: [{ id: 'org_demo', creditsExhausted: true }] })
    expect((await call('POST', `/knowledge-bases/${kb}/entries`, { body: [{ q: '3', a: '3' }] })).body.code).toBe('INSUFFICIENT_CREDITS')
  })
})

describe('Staffify emulator: knowledge bases', () => {
  it('creates, gets, patches, lists with a cursor, and deletes', async () => {
    const ids: string[] = []
    for (let i = 0; i < 25; i++) ids.push(await newKb(`KB ${i}`))
    const first = await call('GET', '/knowledge-bases')
    expect(first.body.knowledge_bases).toHaveLength(20)
    expect(first.body.knowledge_bases[0]).toMatchObject({
      public_id: 'kb_00000001',
      name: 'KB 0',
      status: 'active',
      entry_count: 0,
      last_refresh_status: 'idle'
    })
    const second = await call('GET', `/knowledge-bases?after=${first.body.next_cursor}`)
    expect(second.body.knowledge_bases.map((k: any) => k.public_id)).toEqual(ids.slice(20))
    expect(second.body.next_cursor).toBeNull()
    expect((await call('GET', '/knowledge-bases?limit=101')).status).toBe(400)
    const patched = await call('PATCH', `/knowledge-bases/${ids[0]}`, { body: { description: 'd' } })
    expect(patched.body.knowledge_base).toMatchObject({ name: 'KB 0', description: 'd' })
    expect((await call('GET', `/knowledge-bases/${ids[0]}`)).body.knowledge_base.description).toBe('d')
    expect((await call('DELETE', `/knowledge-bases/${ids[0]}`)).body).toEqual({ deleted: true, id: 1 })
    expect((await call('GET', `/knowledge-bases/${ids[0]}`)).status).toBe(404)
  })

  it("keeps each organization's knowledge bases to itself", async () => {
    const kb = await newKb()
    await seed({ keys: [{ key: 'sfy_live_other', org: 'org_other' }] })
    expect((await call('GET', `/knowledge-bases/${kb}`, { key: 'sfy_live_other' })).status).toBe(404)
    expect((await call('GET', '/knowledge-bases', { key: 'sfy_live_other' })).body.knowledge_bases).toEqual([])
  })
})

describe('Staffify emulator: entries', () => {
  it('adds an array of up to 100 {q,a} and answers {added:N}', async () => {
    const kb = await newKb()
    const r = await call('POST', `/knowledge-bases/${kb}/entries`, {
      body: [
        { q: 'Hours?', a: '9-6' },
        { q: 'Shipping?', a: 'Free over 50' }
      ]
    })
    expect(r).toMatchObject({ status: 201, body: { added: 2 } })
    const list = await call('GET', `/knowledge-bases/${kb}/entries`)
    expect(list.body).toMatchObject({ has_more: false, next_cursor: null, total: 2 })
    expect(list.body.entries[0]).toEqual({
      id: expect.any(Number),
      question: 'Hours?',
      answer: '9-6',
      source_type: 'manual',
      created_at: expect.any(String),
      has_embedding: true,
      usage_count: 0
    })
  })

  it('rejects more than 100 entries, more than 8,000 characters combined, and non-arrays with 400 VALIDATION_ERROR', async () => {
    const kb = await newKb()
    const many = Array.from({ length: 101 }, (_, i) => ({ q: `q${i}`, a: 'a' }))
    expect((await call('POST', `/knowledge-bases/${kb}/entries`, { body: many })).body.code).toBe('VALIDATION_ERROR')
    const atLimit = { q: 'q'.repeat(1_000), a: 'a'.repeat(7_000) }
    expect((await call('POST', `/knowledge-bases/${kb}/entries`, { body: [atLimit] })).status).toBe(201)
    const over = await call('POST', `/knowledge-bases/${kb}/entries`, { body: [{ q: 'q'.repeat(1_000), a: 'a'.repeat(7_001) }] })
    expect(over).toMatchObject({ status: 400, body: { code: 'VALIDATION_ERROR' } })
    expect((await call('POST', `/knowledge-bases/${kb}/entries`, { body: { q: 'x', a: 'y' } })).status).toBe(400)
    expect((await call('GET', `/knowledge-bases/${kb}/entries`)).body.total).toBe(1)
  })

  it('lists with limit (default 50, max 100) and a cursor', async () => {
    const kb = await newKb()
    for (let b = 0; b < 2; b++) {
      await call('POST', `/knowledge-bases/${kb}/entries`, { body: Array.from({ length: 60 }, (_, i) => ({ q: `q${b}-${i}`, a: 'a' })) })
    }
    const p1 = await call('GET', `/knowledge-bases/${kb}/entries`)
    expect(p1.body.entries).toHaveLength(50)
    expect(p1.body).toMatchObject({ has_more: true, total: 120 })
    const p2 = await call('GET', `/knowledge-bases/${kb}/entries?limit=100&after=${p1.body.next_cursor}`)
    expect(p2.body.entries).toHaveLength(70)
    expect(p2.body.has_more).toBe(false)
    const seen = new Set([...p1.body.entries, ...p2.body.entries].map((e: any) => e.id))
    expect(seen.size).toBe(120)
  })

  it('patches and deletes one entry', async () => {
    const kb = await newKb()
    await call('POST', `/knowledge-bases/${kb}/entries`, { body: [{ q: 'Q', a: 'A' }] })
    const id = (await call('GET', `/knowledge-bases/${kb}/entries`)).body.entries[0].id
    expect((await call('PATCH', `/knowledge-bases/${kb}/entries/${id}`, { body: {} })).status).toBe(400)
    expect((await call('PATCH', `/knowledge-bases/${kb}/entries/${id}`, { body: { a: 'B' } })).body).toEqual({
      id,
      question: 'Q',
      answer: 'B',
      has_embedding: true
    })
    expect((await call('DELETE', `/knowledge-bases/${kb}/entries/${id}`)).body).toEqual({ deleted: true, id })
    expect((await call('DELETE', `/knowledge-bases/${kb}/entries/${id}`)).status).toBe(404)
  })

  it('leaves an entry without embedding under the embedding fault, and retry-embedding fixes it', async () => {
    const kb = await newKb()
    emu.faults.add({ kind: 'vendor', name: 'staffify-embedding-fail', match: 'broken' })
    await call('POST', `/knowledge-bases/${kb}/entries`, {
      body: [
        { q: 'ok', a: 'fine' },
        { q: 'broken', a: 'x' }
      ]
    })
    const entries = (await call('GET', `/knowledge-bases/${kb}/entries`)).body.entries
    expect(entries.map((e: any) => e.has_embedding)).toEqual([true, false])
    expect((await call('POST', `/knowledge-bases/${kb}/entries/${entries[0].id}/retry-embedding`)).body).toEqual({ retried: false })
    expect((await call('POST', `/knowledge-bases/${kb}/entries/${entries[1].id}/retry-embedding`)).body).toEqual({ retried: true })
    expect((await call('GET', `/knowledge-bases/${kb}/entries`)).body.entries[1].has_embedding).toBe(true)
  })
})

describe('Staffify emulator: uploads and jobs', () => {
  it('runs an upload as a job (waiting/active → completed with entries_added) that adds entries', async () => {
    const kb = await newKb()
    const r = await upload(kb, 'faq.txt', 'Opening hours are 9 to 6.\n\nShipping is free over 50.')
    expect(r.body).toEqual({ job_id: expect.any(String), status: 'queued' })
    const early = await call('GET', `/knowledge-bases/${kb}/jobs/${r.body.job_id}`)
    expect(['waiting', 'active']).toContain(early.body.status)
    await new Promise((res) => setTimeout(res, 100))
    const done = await call('GET', `/knowledge-bases/${kb}/jobs/${r.body.job_id}`)
    expect(done.body).toMatchObject({ job_id: r.body.job_id, status: 'completed', result: { entries_added: 2 } })
    const entries = (await call('GET', `/knowledge-bases/${kb}/entries`)).body.entries
    expect(entries.map((e: any) => e.source_type)).toEqual(['upload', 'upload'])
  })

  it('answers the documented synchronous 400s and 404', async () => {
    const kb = await newKb()
    expect((await call('POST', `/knowledge-bases/${kb}/entries/upload`, { raw: new FormData() })).body.message).toBe('No file uploaded')
    expect((await upload(kb, 'notes.md', '# hi')).body.message).toMatch(/Unsupported file type/)
    expect((await upload(kb, 'fake.pdf', 'not a pdf')).body.message).toBe('File content does not match its declared type')
    expect((await upload(kb, 'fake.docx', '%PDF-1.4')).status).toBe(400)
    expect((await upload(kb, 'big.txt', Buffer.alloc(50 * 1024 * 1024 + 1, 0x61))).body.message).toBe('File exceeds 50 MB limit')
    expect((await upload('kb_99999999', 'a.txt', 'x')).status).toBe(404)
    expect((await upload(kb, 'real.pdf', '%PDF-1.4 Some readable text here')).status).toBe(202)
  })

  it('fails the job under the upload fault', async () => {
    const kb = await newKb()
    emu.faults.add({ kind: 'vendor', name: 'staffify-upload-fail' })
    const r = await upload(kb, 'a.txt', 'text')
    await new Promise((res) => setTimeout(res, 100))
    expect((await call('GET', `/knowledge-bases/${kb}/jobs/${r.body.job_id}`)).body).toMatchObject({ status: 'failed', error: expect.any(String) })
  })
})

describe('Staffify emulator: rate limit', () => {
  it('sends X-RateLimit-* (epoch seconds) and answers 429 RATE_LIMIT_EXCEEDED past the limit', async () => {
    await seed({ rateLimit: { limit: 3, windowSeconds: 1 } })
    const answers = []
    for (let i = 0; i < 4; i++) answers.push(await call('GET', '/knowledge-bases'))
    expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0'])
    expect(answers[3]!.status).toBe(429)
    expect(answers[3]!.body.code).toBe('RATE_LIMIT_EXCEEDED')
    const reset = Number(answers[0]!.headers.get('x-ratelimit-reset'))
    expect(reset).toBeGreaterThan(Date.now() / 1000 - 1)
    expect(reset).toBeLessThan(Date.now() / 1000 + 3)
    expect(answers[0]!.headers.get('x-ratelimit-limit')).toBe('3')
    await new Promise((res) => setTimeout(res, reset * 1000 - Date.now() + 50))
    expect((await call('GET', '/knowledge-bases')).status).toBe(200)
  })
})

describe('Staffify emulator: seed and state', () => {
  it('seeds knowledge bases with manual entries and shows them in state()', async () => {
    const made = await seed({ knowledgeBases: [{ name: 'Support', entries: [{ q: 'Hand-written?', a: 'Yes' }] }] })
    expect(made.created).toEqual(['kb_00000001'])
    const state = emu.state().staffify
    expect(state.knowledgeBases[0]).toMatchObject({ public_id: 'kb_00000001', name: 'Support', entry_count: 1 })
    expect(state.knowledgeBases[0]?.entries[0]).toMatchObject({ question: 'Hand-written?', answer: 'Yes', source_type: 'manual' })
  })
})
