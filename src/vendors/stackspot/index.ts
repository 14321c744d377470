/** StackSpot AI: what the action knows about the vendor, and its adapter's factory. */
import type { TokenSource } from '../../http.js'
import type { VendorDeps, VendorModule } from '../types.js'
import { StackSpotAdapter } from './adapter.js'
import { requireCredential, stackSpotTokens } from './auth.js'
import { DEFAULT_API_URL, authUrl, inputs, knowledgeBaseProblem, missingInputs, stackSpotSettings, type StackSpotSettingsSource } from './settings.js'

export { StackSpotAdapter, type StackSpotOptions } from './adapter.js'
export type { StackSpotSettings } from './settings.js'

export const stackspot: VendorModule<'stackspot', typeof inputs> = {
  id: 'stackspot',
  inputs,
  storeNoun: 'Knowledge Source slug',
  defaultApiUrl: DEFAULT_API_URL,
  authUrl,
  missingInputs,
  knowledgeBaseProblem,
  create: (settings, deps) => new StackSpotAdapter(stackSpotSettings(settings), deps)
}

/**
 * The agent's token source: the agent signs in with this step's StackSpot credential, through the
 * run's cache, so it reuses the token the sync already holds.
 */
export function agentTokens(settings: StackSpotSettingsSource, deps: Pick<VendorDeps, 'tokenCache' | 'log'>): TokenSource {
  const s = stackSpotSettings(settings)
  return stackSpotTokens(deps.tokenCache, requireCredential(s.clientId, s.clientSecret, s.authUrl), deps.log)
}
