/** The Telzino emulator held to the knowledge-base sources docs. */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_ACCOUNTS } from '../../emulator/demo-accounts.ts'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { createTelzinoEmulator, type TelzinoEmulator } from '../../emulator/vendors/telzino/index.ts'

let emu: RunningEmulator<TelzinoEmulator>
beforeAll(async () => {
  emu = await startEmulator({ vendors: [createTelzinoEmulator()], processingMs: 40 })
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

const org = DEMO_ACCOUNTS.telzino.organizationId
async function api(method: string, path: string, body?: unknown, token: string = DEMO_ACCOUNTS.telzino.accessToken) {
  const res = await fetch(`${emu.url}/telzino${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  return { status: res.status, body: (await res.json().catch(() => null)) as any }
}

async function kb(name = 'Docs'): Promise<string> {
  return (await api('POST', `/v1/organizations/${org}/knowledge-bases`, { name })).body.data.id
}

describe('Telzino emulator', () => {
  it('issues tokens for the JSON client-credentials body and refuses bad ones', async () => {
    const ok = await fetch(`${emu.url}/telzino/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: DEMO_ACCOUNTS.telzino.clientId,
        client_secret: DEMO_ACCOUNTS.telzino.clientSecret,
        audience: 'https://api.telzino.com/',
        grant_type: 'client_credentials'
      })
    })
    const token = ((await ok.json()) as { access_token: string; token_type: string }).access_token
    expect((await api('GET', `/v1/organizations/${org}/knowledge-bases`, undefined, token)).status).toBe(200)
    expect((await api('GET', `/v1/organizations/${org}/knowledge-bases`, undefined, 'nope')).status).toBe(401)
  })

  it('runs the documented file flow: create → PUT → enqueue → job complete', async () => {
    const id = await kb()
    const bytes = Buffer.from('# Guide\n')
    const hash = createHash('md5').update(bytes).digest('hex')
    const created = await api('POST', `/v1/knowledge-bases/${id}/sources`, {
      sourceType: 'file',
      fileName: 'guide.md',
      fileMime: 'text/markdown',
      fileSize: bytes.length,
      contentHash: hash
    })
    expect(created.status).toBe(201)
    const { presignedUrl, sourceId, jobId } = created.body.data
    // Enqueue before the bytes is refused; a PUT with an Authorization header too.
    expect((await api('POST', `/v1/knowledge-sources/${sourceId}/enqueue`, { jobId })).status).toBe(400)
    expect((await fetch(presignedUrl, { method: 'PUT', body: bytes, headers: { authorization: 'Bearer x' } })).status).toBe(400)
    expect((await fetch(presignedUrl, { method: 'PUT', body: Buffer.from('short') })).status).toBe(400)
    expect((await fetch(presignedUrl, { method: 'PUT', body: bytes })).status).toBe(200)
    expect((await api('POST', `/v1/knowledge-sources/${sourceId}/enqueue`, { jobId: 'someone-elses' })).status).toBe(400)
    expect((await api('POST', `/v1/knowledge-sources/${sourceId}/enqueue`, { jobId, forceReindex: false })).body).toEqual({ success: true })
    await new Promise((r) => setTimeout(r, 60))
    expect((await api('GET', `/v1/rag/jobs/${jobId}`)).body.data).toMatchObject({ status: 'complete', source_id: sourceId })
    const list = await api('GET', `/v1/knowledge-bases/${id}/sources`)
    expect(list.body.data).toEqual([expect.objectContaining({ id: sourceId, name: 'guide.md', source_type: 'file', status: 'active' })])

    // The same hash again is a duplicate, unless forceReingest.
    const dup = await api('POST', `/v1/knowledge-bases/${id}/sources`, {
      sourceType: 'file',
      fileName: 'copy.md',
      fileMime: 'text/markdown',
      fileSize: bytes.length,
      contentHash: hash
    })
    expect(dup.status).toBe(409)
    expect(dup.body.sourceId).toBe(sourceId)
    expect(
      (
        await api('POST', `/v1/knowledge-bases/${id}/sources`, {
          sourceType: 'file',
          fileName: 'copy.md',
          fileMime: 'text/markdown',
          fileSize: bytes.length,
          contentHash: hash,
          forceReingest: true
        })
      ).status
    ).toBe(201)
  })

  it('validates MIME type and size, and deletes sources', async () => {
    const id = await kb()
    expect(
      (await api('POST', `/v1/knowledge-bases/${id}/sources`, { sourceType: 'file', fileName: 'a.exe', fileMime: 'application/x-msdownload', fileSize: 1 }))
        .status
    ).toBe(400)
    expect(
      (
        await api('POST', `/v1/knowledge-bases/${id}/sources`, {
          sourceType: 'file',
          fileName: 'a.pdf',
          fileMime: 'application/pdf',
          fileSize: 51 * 1024 * 1024
        })
      ).status
    ).toBe(400)
    const url = await api('POST', `/v1/knowledge-bases/${id}/sources`, { sourceType: 'url', url: 'https://example.com/docs' })
    expect(url.status).toBe(201)
    expect((await api('POST', `/v1/knowledge-bases/${id}/sources`, { sourceType: 'url', url: 'https://example.com/docs' })).status).toBe(409)
    expect((await api('DELETE', `/v1/knowledge-sources/${url.body.data.sourceId}`)).body).toEqual({ success: true })
    expect((await api('GET', `/v1/knowledge-bases/${id}/sources`)).body.data).toEqual([])
  })

  it('keeps knowledge base names unique in an organization', async () => {
    await kb('Docs')
    expect((await api('POST', `/v1/organizations/${org}/knowledge-bases`, { name: 'Docs' })).status).toBe(409)
  })
})
