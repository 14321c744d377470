import { isEmpty, list, text, type RawInputs, type InputValues } from '../../input-kinds.js'
import type { SharedSettings } from '../../shared-settings.js'

export const DEFAULT_API_URL = 'https://api.telzino.com'
export const DEFAULT_AUTH_URL = 'https://api.telzino.com/oauth/token'

export const inputs = {
  clientId: text('client-id', { secret: true }),
  clientSecret: text('client-secret', { secret: true }),
  apiKey: text('api-key', { secret: true }),
  /** The Telzino organization whose knowledge base `knowledge-base` names (needed to find or create one by name). */
  organizationId: text('organization-id'),
  /** Web pages a Telzino knowledge base ingests besides the docs; added or re-ingested each run, never deleted. */
  urlSources: list('url-sources')
}

/** What the Telzino adapter needs from the run's settings. */
export interface TelzinoSettings {
  /** A knowledge base id (UUID) or name. */
  knowledgeBase: string
  /** Description of a knowledge base this run creates ('' = a generated one). */
  knowledgeBaseDescription: string
  /** An access token; when empty, tokens come from `clientId` and `clientSecret`. */
  apiKey: string
  clientId: string
  clientSecret: string
  authUrl: string
  apiUrl: string
  organizationId: string
  urlSources: string[]
  processingTimeoutSeconds: number
}

/** The run's settings as this vendor's module receives them: the shared ones and its own inputs. */
export type TelzinoSettingsSource = SharedSettings & InputValues<typeof inputs>

export function telzinoSettings(s: TelzinoSettingsSource): TelzinoSettings {
  return {
    knowledgeBase: s.knowledgeBase,
    knowledgeBaseDescription: s.knowledgeBaseDescription,
    apiKey: s.apiKey,
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    authUrl: s.authUrl,
    apiUrl: s.apiUrl,
    organizationId: s.organizationId,
    urlSources: s.urlSources,
    processingTimeoutSeconds: s.processingTimeoutSeconds
  }
}

/** Either an access token, or both halves of an API client. */
export function missingInputs(raw: RawInputs): string[] {
  const hasClient = !isEmpty(raw, 'client-id') || !isEmpty(raw, 'client-secret')
  if (isEmpty(raw, 'api-key') && !hasClient) return ['vendor telzino needs either `api-key` (an access token) or `client-id` and `client-secret`.']
  if (hasClient && (isEmpty(raw, 'client-id') || isEmpty(raw, 'client-secret')))
    return ['vendor telzino: give both `client-id` and `client-secret`, or `api-key` instead.']
  return []
}

export function authUrl(given: string): string {
  return given || DEFAULT_AUTH_URL
}
