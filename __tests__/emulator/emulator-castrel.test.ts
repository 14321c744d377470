/** The Castrel emulator held to the Knowledges API docs (shared/vendor-docs/knowledges-api-pat.txt). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_ACCOUNTS } from '../../emulator/demo-accounts.ts'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { createCastrelEmulator, type CastrelEmulator } from '../../emulator/vendors/castrel/index.ts'

let emu: RunningEmulator<CastrelEmulator>
beforeAll(async () => {
  emu = await startEmulator({ vendors: [createCastrelEmulator()] })
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

async function call(path: string, body?: unknown, pat: string = DEMO_ACCOUNTS.castrel.pat) {
  const res = await fetch(`${emu.url}/castrel/personal/v1/knowledge/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  return { status: res.status, body: (await res.json()) as { code: number; message: string; data: any } }
}

const doc = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: 'document',
  trigger: 'always',
  trigger_config: {},
  data: { document_content: `# ${name}` },
  ...extra
})

describe('Castrel emulator', () => {
  it('wraps answers in the {code, message, data} envelope and refuses an unknown PAT', async () => {
    const created = await call('create', doc('Runbook'))
    expect(created).toMatchObject({
      status: 200,
      body: { code: 200, message: 'common.success', data: { id: 1, name: 'Runbook', type: 'document', source: 'custom' } }
    })
    expect((await call('1')).body.data.data).toEqual({ document_content: '# Runbook' })
    expect((await call('list', {}, 'wrong')).status).toBe(401)
  })

  it("answers validation errors as HTTP 200 with code 400, per the docs' rules", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [doc('   '), /name_required/],
      [doc('x'.repeat(256)), /name_too_long/],
      [doc('a', { trigger: 'service', trigger_config: {} }), /service_requires_service_id/],
      [doc('a', { trigger: 'alert', trigger_config: { match_patterns: [] } }), /match_patterns/],
      [doc('a', { data: {} }), /document_requires/],
      [doc('a', { type: 'default', data: { document_content: 'x' } }), /default_requires_content/],
      [doc('a', { labels: { '': 'x' } }), /label_key_empty/]
    ]
    for (const [body, message] of cases) {
      const r = await call('create', body)
      expect(r.status).toBe(200)
      expect(r.body.code).toBe(400)
      expect(r.body.message).toMatch(message)
    }
    expect(emu.state()).toEqual({ castrel: { entries: [] } })
  })

  it('upserts by name + trigger + trigger_config', async () => {
    const a = await call('upsert', doc('Guide', { trigger: 'service', trigger_config: { service_id: 's1' } }))
    const again = await call('upsert', doc('Guide', { trigger: 'service', trigger_config: { service_id: 's1' }, data: { document_content: 'v2' } }))
    const other = await call('upsert', doc('Guide', { trigger: 'service', trigger_config: { service_id: 's2' } }))
    expect(again.body.data.id).toBe(a.body.data.id)
    expect(again.body.data.data.document_content).toBe('v2')
    expect(other.body.data.id).not.toBe(a.body.data.id)
  })

  it('update needs type with data and trigger with trigger_config', async () => {
    await call('create', doc('Guide'))
    expect((await call('update', { id: 1, data: { document_content: 'x' } })).body.message).toMatch(/type_required_with_data/)
    expect((await call('update', { id: 1, trigger_config: { service_id: 'x' } })).body.message).toMatch(/trigger_required/)
    expect((await call('update', { id: 99, name: 'n' })).body.code).toBe(404)
    expect((await call('update', { id: 1, description: 'changed' })).body.data.description).toBe('changed')
  })

  it('lists with label filters and pages, and page null without pagination', async () => {
    for (let i = 0; i < 5; i++) await call('create', doc(`d${i}`, { labels: { team: i % 2 ? 'a' : 'b', env: 'prod' } }))
    const all = await call('list', {})
    expect(all.body.data.page).toBeNull()
    expect(all.body.data.items).toHaveLength(5)
    const eq = await call('list', {
      filters: {
        labels: {
          operator: 'eq',
          values: [
            { key: 'team', value: 'a' },
            { key: 'env', value: 'prod' }
          ]
        }
      }
    })
    expect(eq.body.data.items.map((k: { name: string }) => k.name)).toEqual(['d1', 'd3'])
    const page = await call('list', { page: { page_no: 2, page_size: 2 }, sort: { order_by: 'created_at', order: 'asc' } })
    expect(page.body.data.page).toEqual({ total: 5, page_num: 2, page_size: 2 })
    expect(page.body.data.items.map((k: { name: string }) => k.name)).toEqual(['d2', 'd3'])
    expect((await call('list', { page: { page_no: 1, page_size: 201 } })).body.code).toBe(400)
  })

  it('filters by name, trigger, trigger_config ids and read-only status', async () => {
    await call('create', doc('Order restart', { trigger: 'service', trigger_config: { service_id: 'orders' } }))
    await call('create', doc('Pay restart', { trigger: 'service', trigger_config: { service_id: 'payments' } }))
    await call('create', doc('Alert notes', { trigger: 'alert', trigger_config: { match_patterns: ['MySQL'] } }))
    const names = async (filters: unknown) => (await call('list', { filters })).body.data.items.map((k: { name: string }) => k.name)
    expect(await names({ name: { operator: 'like', value: 'restart' } })).toEqual(['Order restart', 'Pay restart'])
    expect(await names({ trigger: { operator: 'eq', value: 'alert' } })).toEqual(['Alert notes'])
    expect(await names({ service_id: { operator: 'includeAny', values: ['payments', 'x'] } })).toEqual(['Pay restart'])
    expect(await names({ trigger: { operator: 'excludeAny', values: ['service'] } })).toEqual(['Alert notes'])
    expect(await names({ is_readonly: { operator: 'eq', value: 'false' } })).toHaveLength(3)
  })

  it('has no delete endpoint', async () => {
    const res = await fetch(`${emu.url}/castrel/personal/v1/knowledge/1`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${DEMO_ACCOUNTS.castrel.pat}` }
    })
    expect(res.status).toBe(404)
  })
})
