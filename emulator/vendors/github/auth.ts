/** Who is calling (a token is an identity), what that identity may do, and GitHub's error shape. */
import { EmuError, type EmuRequest, type EmuResult, type Handler } from '../../framework.ts'
import { DOCS, type GithubIdentity, type GithubStore, type RepoState, type User } from './state.ts'

export function ghError(status: number, message: string, doc = DOCS, extra: Record<string, unknown> = {}): EmuError {
  return new EmuError(status, { message, ...extra, documentation_url: doc, status: String(status) })
}

export interface Caller {
  identity: GithubIdentity | undefined
}

const rateHeaders = () => ({
  'x-ratelimit-limit': '5000',
  'x-ratelimit-remaining': '4999',
  'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
  'x-ratelimit-resource': 'core',
  'x-github-media-type': 'github.v3; format=json'
})

function authenticate(store: GithubStore, req: EmuRequest): Caller {
  const header = req.headers.authorization
  if (header === undefined) return { identity: undefined }
  const token = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(String(header))?.[1]
  const identity = token === undefined ? undefined : store.tokens.get(token)
  if (!identity) throw ghError(401, 'Bad credentials')
  return { identity }
}

/** Finds the repo the caller may see; private or unknown repos are 404, as on GitHub. */
export function findRepo(store: GithubStore, req: EmuRequest, caller: Caller): RepoState {
  const full = `${req.params.owner}/${req.params.repo}`
  const r = [...store.repos.values()].find((x) => x.fullName.toLowerCase() === full.toLowerCase())
  if (!r || (r.private && !caller.identity)) throw ghError(404, 'Not Found')
  return r
}

export function requireScope(caller: Caller, scope: 'contents' | 'pull_requests' | 'issues' | 'actions', write: boolean, doc: string): void {
  if (write) {
    if (!caller.identity) throw ghError(401, 'Requires authentication', doc)
    if (caller.identity.readOnly) throw ghError(403, 'Resource not accessible by integration', doc)
  }
  const granted = caller.identity?.permissions?.[scope]
  if (granted === 'none' || (write && granted === 'read')) throw ghError(403, 'Resource not accessible by integration', doc)
}

/** Comments on a pull request need `pull-requests: write` or `issues: write`; on an issue, `issues: write`. */
export function requireCommentWrite(caller: Caller, r: RepoState, issue: number, doc: string): void {
  if (caller.identity && !caller.identity.readOnly && r.pulls.has(issue) && caller.identity.permissions?.pull_requests === 'write') return
  requireScope(caller, 'issues', true, doc)
}

/** Wraps a handler: the caller's identity in, GitHub's rate-limit headers out, on errors too. */
export function api(store: GithubStore, handler: (req: EmuRequest, caller: Caller) => EmuResult): Handler {
  return (req: EmuRequest): EmuResult => {
    try {
      const caller = authenticate(store, req)
      const result = handler(req, caller)
      return { ...result, headers: { ...rateHeaders(), ...result.headers } }
    } catch (e) {
      if (e instanceof EmuError) throw new EmuError(e.status, e.payload, { ...rateHeaders(), ...e.headers })
      throw e
    }
  }
}

export function identityUser(identity: GithubIdentity): User {
  return { login: identity.login, id: identity.id ?? 583231, type: identity.type ?? 'User' }
}
