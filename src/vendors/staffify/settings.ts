import { missing, text, type RawInputs, type InputValues } from '../../input-kinds.js'
import type { SharedSettings } from '../../shared-settings.js'

export const DEFAULT_API_URL = 'https://api.staffifyai.com/v1'

export const inputs = {
  /** A static API key or token (Staffify, Telzino) or personal access token (Castrel). */
  apiKey: text('api-key', { secret: true }),
  /** The Staffify project an organization key (sfy_org_…) acts in. */
  projectId: text('project-id')
}

/** What the Staffify adapter needs from the run's settings. */
export interface StaffifySettings {
  /** A knowledge base id (kb_…) or name. */
  knowledgeBase: string
  /** Only checked: Staffify finds the knowledge base by the name in `knowledgeBase`. */
  knowledgeBaseName: string
  /** Description of a knowledge base this run creates ('' = a generated one). */
  knowledgeBaseDescription: string
  apiKey: string
  apiUrl: string
  projectId: string
  /** A dry run only reports entries without an embedding instead of asking Staffify to retry them. */
  dryRun: boolean
  /** `processing-timeout`: an upload waits at most this long (and 15 s) for its entries' embeddings. */
  processingTimeoutSeconds: number
}

/** The run's settings as this vendor's module receives them: the shared ones and its own inputs. */
export type StaffifySettingsSource = SharedSettings & InputValues<typeof inputs>

export function staffifySettings(s: StaffifySettingsSource): StaffifySettings {
  return {
    knowledgeBase: s.knowledgeBase,
    knowledgeBaseName: s.knowledgeBaseName,
    knowledgeBaseDescription: s.knowledgeBaseDescription,
    apiKey: s.apiKey,
    apiUrl: s.apiUrl,
    projectId: s.projectId,
    dryRun: s.dryRun,
    processingTimeoutSeconds: s.processingTimeoutSeconds
  }
}

export function missingInputs(raw: RawInputs): string[] {
  return missing(raw, [['api-key', 'for vendor staffify (a project API key, sfy_live_…)']])
}
