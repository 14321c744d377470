import { choice, missing, text, type InputValues, type RawInputs } from '../../input-kinds.js'
import type { SharedSettings } from '../../shared-settings.js'

export const KS_TYPES = ['custom', 'api', 'snippet'] as const
export const UPLOAD_STRATEGIES = ['auto', 'zip', 'per-file'] as const

export const DEFAULT_API_URL = 'https://data-integration-api.stackspot.com'
/** The IDM token endpoint; `{realm}` is the account realm. */
export const DEFAULT_AUTH_URL = 'https://idm.stackspot.com/{realm}/oidc/oauth/token'

export const inputs = {
  /** Type of a Knowledge Source this run creates. */
  stackspotKsType: choice('stackspot-ks-type', KS_TYPES, 'custom'),
  /** `zip` batches uploads, `per-file` never does, `auto` zips two docs or more. */
  uploadStrategy: choice('upload-strategy', UPLOAD_STRATEGIES, 'auto'),
  /** OAuth client id of a service credential (StackSpot) or API client (Telzino). */
  clientId: text('client-id', { secret: true }),
  /** OAuth client secret of that credential. */
  clientSecret: text('client-secret', { secret: true }),
  /** The StackSpot account realm, part of the IDM token URL. */
  realm: text('realm')
}
type Values = InputValues<typeof inputs>

/** What the StackSpot adapter (and the agent's token) needs from the run's settings. */
export interface StackSpotSettings {
  /** The Knowledge Source slug. */
  knowledgeBase: string
  /** Display name of a KS this run creates ('' = the slug). */
  knowledgeBaseName: string
  /** Description of a KS this run creates ('' = a generated one). */
  knowledgeBaseDescription: string
  ksType: Values['stackspotKsType']
  uploadStrategy: Values['uploadStrategy']
  clientId: string
  clientSecret: string
  /** The IDM token endpoint, realm filled in. */
  authUrl: string
  apiUrl: string
  /** Parallel clean-ups after a zip batch. */
  concurrency: number
  processingTimeoutSeconds: number
}

/** The run's settings as this vendor's module receives them: the shared ones and its own inputs. */
export type StackSpotSettingsSource = SharedSettings & InputValues<typeof inputs>

export function stackSpotSettings(s: StackSpotSettingsSource): StackSpotSettings {
  return {
    knowledgeBase: s.knowledgeBase,
    knowledgeBaseName: s.knowledgeBaseName,
    knowledgeBaseDescription: s.knowledgeBaseDescription,
    ksType: s.stackspotKsType,
    uploadStrategy: s.uploadStrategy,
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    authUrl: s.authUrl,
    apiUrl: s.apiUrl,
    concurrency: s.concurrency,
    processingTimeoutSeconds: s.processingTimeoutSeconds
  }
}

export function missingInputs(raw: RawInputs): string[] {
  return missing(raw, [
    ['client-id', "for vendor stackspot (the service credential's client id)"],
    ['client-secret', "for vendor stackspot (the service credential's client key)"],
    ['realm', 'for vendor stackspot (your StackSpot account realm)']
  ])
}

export function knowledgeBaseProblem(raw: string): string | undefined {
  if (raw && !/^[a-z0-9][a-z0-9-_]*$/i.test(raw.trim())) {
    return `\`knowledge-base\` must be a Knowledge Source slug (letters, digits, - and _): "${raw}".`
  }
  return undefined
}

/** `{realm}` may appear in a given auth-url too (the emulator's printed URL has it). */
export function authUrl(given: string, values: Pick<Values, 'realm'>): string {
  const realm = values.realm
  return (given || (realm ? DEFAULT_AUTH_URL : '')).replace('{realm}', encodeURIComponent(realm))
}
