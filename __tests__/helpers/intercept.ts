/**
 * A loopback HTTP server that stands between the action and the emulator, for answers the
 * emulator does not give: a token endpoint answering HTML, a redirect, an error body echoing the
 * request's headers, a pre-signed URL rewritten to another address. Requests no rule answers are
 * forwarded to `upstream` unchanged (or answered 200 `{}` without one), and every request is recorded.
 */
import http, { type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SeenRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface Answer {
  status: number
  headers?: Record<string, string>
  body?: string | Buffer
}

export interface InterceptRule {
  method?: string
  path: RegExp
  /** Answer here instead of forwarding. */
  respond?: (req: SeenRequest) => Answer
  /** Forward, then change the JSON the upstream answered. */
  rewriteJson?: (json: any) => unknown
}

export interface Interceptor {
  readonly url: string
  readonly seen: SeenRequest[]
  close(): Promise<void>
}

export async function startInterceptor(upstream: string | undefined, rules: InterceptRule[] = []): Promise<Interceptor> {
  const seen: SeenRequest[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const request: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) }
      seen.push(request)
      const rule = rules.find((r) => (!r.method || r.method === request.method) && r.path.test(request.path))
      void answer(rule, request).then(
        (a) => res.writeHead(a.status, a.headers).end(a.body),
        (error: unknown) => res.writeHead(502, { 'content-type': 'text/plain' }).end(String(error))
      )
    })
  })
  async function answer(rule: InterceptRule | undefined, req: SeenRequest): Promise<Answer> {
    if (rule?.respond) return rule.respond(req)
    if (!upstream) return { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k))
    ) as Record<string, string>
    const res = await fetch(upstream + req.path, {
      method: req.method,
      headers,
      body: ['GET', 'HEAD'].includes(req.method) ? undefined : req.body,
      redirect: 'manual'
    })
    let body: string | Buffer = Buffer.from(await res.arrayBuffer())
    if (rule?.rewriteJson && res.ok) body = JSON.stringify(rule.rewriteJson(JSON.parse(body.toString('utf8'))))
    const out: Record<string, string> = {}
    res.headers.forEach((v, k) => {
      if (!['content-length', 'transfer-encoding', 'content-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v
    })
    return { status: res.status, headers: out, body }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
