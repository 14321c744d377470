/**
 * The vendor docs' script for StackSpot, file by file: a token once, then for each file the upload
 * form → S3 POST (curl -F) → status until indexed. bench/stackspot.ts runs it in its own process
 * for the push figure, started and timed as the action is (a workflow step has to start it too),
 * and in the bench's process for the other cases.
 *
 *   node bench/docs-flow.ts <stackspot api url> <realm> <client id> <client secret> <slug> <docs.json> <poll ms>
 */
import { readFile } from 'node:fs/promises'

export interface DocsFlowTarget {
  api: string
  realm: string
  clientId: string
  clientSecret: string
  slug: string
  pollMs: number
}

export async function docsFlow(t: DocsFlowTarget, docs: Record<string, string>): Promise<void> {
  const tokenRes = await fetch(`${t.api}/idm/${t.realm}/oidc/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret })
  })
  const jwt = ((await tokenRes.json()) as { access_token: string }).access_token
  const auth = { authorization: `Bearer ${jwt}` }
  for (const [path, content] of Object.entries(docs)) {
    const formRes = await fetch(`${t.api}/v2/file-upload/form`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ file_name: path, target_id: t.slug, target_type: 'KNOWLEDGE_SOURCE', expiration: 600 })
    })
    const upload = (await formRes.json()) as { id: string; url: string; form: Record<string, string> }
    const fd = new FormData()
    for (const [k, v] of Object.entries(upload.form)) fd.append(k, v)
    fd.append('file', new Blob([content]), path.split('/').pop())
    const s3 = await fetch(upload.url, { method: 'POST', body: fd })
    if (s3.status >= 300) throw new Error(`baseline S3 POST failed: ${s3.status}`)
    for (;;) {
      const st = (await (await fetch(`${t.api}/v1/file-upload/${upload.id}`, { headers: auth })).json()) as { status: string }
      if (st.status === 'INDEXED') break
      if (st.status === 'ERROR') throw new Error(`baseline upload of ${path} failed`)
      await new Promise((r) => setTimeout(r, t.pollMs))
    }
  }
}

if (process.argv[1] === import.meta.filename) {
  const [api, realm, clientId, clientSecret, slug, docsFile, pollMs] = process.argv.slice(2)
  if (!api || !realm || !clientId || !clientSecret || !slug || !docsFile || !pollMs)
    throw new Error('usage: docs-flow.ts <api> <realm> <client id> <client secret> <slug> <docs.json> <poll ms>')
  const docs = JSON.parse(await readFile(docsFile, 'utf8')) as Record<string, string>
  await docsFlow({ api, realm, clientId, clientSecret, slug, pollMs: Number(pollMs) }, docs)
}
