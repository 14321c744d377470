/**
 * The slice of the GitHub REST API the action calls, mounted under /github (GITHUB_API_URL):
 * compare two commits, a pull request and its files, issue comments (the sticky PR comment), and
 * workflow runs (where a push's diff starts: the last successful run's commit).
 * Shapes follow docs.github.com/rest: Link-header pagination (`per_page`/`page`), the compare
 * API's 300-file cap, the pull request files list's 3,000-file cap, error bodies
 * `{message, documentation_url, status}`.
 *
 * Commits are not emulated: a test seeds what GitHub would answer for a comparison or a pull
 * request (`GithubSeed` in state.ts). An unseeded comparison answers 404, as GitHub does for
 * commits it does not have.
 *
 * Auth: `Authorization: token X` or `Bearer X`. Unknown tokens → 401 Bad credentials; no header →
 * reads of public repos work, writes 401 Requires authentication. A token is an identity
 * (`login`, `type` User|Bot, `id`); Bot tokens get 403 "Resource not accessible by integration"
 * from GET /user (as installation tokens do); `readOnly` tokens get that 403 on every write, and
 * `permissions` can withhold `contents` (compare), `pull_requests` (pull endpoints) or `actions`
 * (workflow runs).
 */
import type { EmuContext, Router, SeedableVendor } from '../../framework.ts'
import { registerActionsRoutes } from './routes-actions.ts'
import { registerCommentRoutes } from './routes-comments.ts'
import { registerPullRoutes } from './routes-pulls.ts'
import { GithubStore, type GithubSeed, type GithubSeeded, type GithubState } from './state.ts'

export {
  GITHUB_ACTIONS_BOT,
  GITHUB_EMULATOR_TOKEN,
  type CommentJson,
  type GithubIdentity,
  type GithubSeed,
  type GithubSeeded,
  type GithubState,
  type SeedComment,
  type SeedCompare,
  type SeedFile,
  type SeedPull
} from './state.ts'
export { DEFAULT_WORKFLOW, type SeedWorkflowRun } from './runs.ts'

export type GithubEmulator = SeedableVendor<'github', GithubState, GithubSeed, GithubSeeded>

export function createGithubEmulator(): GithubEmulator {
  const store = new GithubStore()
  return {
    name: 'github',
    register(router: Router, ctx: EmuContext) {
      store.ctx = ctx
      registerPullRoutes(router, store)
      registerCommentRoutes(router, store)
      registerActionsRoutes(router, store)
    },
    state: () => store.state(),
    reset: () => store.reset(),
    seed: (body) => store.seed(body)
  }
}
