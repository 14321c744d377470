import { z } from 'zod'

export const VENDORS = ['stackspot', 'staffify', 'telzino', 'castrel'] as const
export const MODES = ['auto', 'changed', 'full'] as const
export const ON_REMOVED = ['delete', 'report'] as const
export const UPLOAD_STRATEGIES = ['auto', 'zip', 'per-file'] as const
export const CASTREL_TRIGGERS = ['smart', 'always', 'application', 'service', 'infrastructure', 'connector', 'bridge_node', 'proxy', 'alert'] as const

/** Public hosts, used when `api-url` / `auth-url` / `agent-url` are empty. */
export const DEFAULT_URLS = {
  stackspot: { api: 'https://data-integration-api.stackspot.com', auth: 'https://idm.stackspot.com/{realm}/oidc/oauth/token' },
  staffify: { api: 'https://api.staffifyai.com/v1' },
  telzino: { api: 'https://api.telzino.com', auth: 'https://api.telzino.com/oauth/token' },
  agent: 'https://genai-inference-app.stackspot.com'
} as const

/**
 * A vendor URL: https, or http on a loopback host only (the emulator and tests). Anything else
 * would send a credential in clear text.
 */
export function vendorUrl(input: string): z.ZodType<string> {
  return z.string().superRefine((value, ctx) => {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      ctx.addIssue({ code: 'custom', message: `\`${input}\` is not a URL: "${value}". Give a full URL such as https://api.example.com.` })
      return
    }
    if (url.protocol === 'https:') return
    if (url.protocol === 'http:' && isLoopback(url.hostname)) return
    ctx.addIssue({
      code: 'custom',
      message: `\`${input}\` must use https:// (http:// is allowed only for localhost and 127.0.0.0/8): "${value}".`
    })
  })
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
}

/** Everything the action was asked to do, validated. Built once by `readSettings`. */
export interface Settings {
  vendor: (typeof VENDORS)[number]
  paths: string[]
  mode: (typeof MODES)[number]
  knowledgeBase: string
  createIfMissing: boolean
  knowledgeBaseName: string
  knowledgeBaseDescription: string
  stackspotKsType: 'custom' | 'api' | 'snippet'
  uploadStrategy: (typeof UPLOAD_STRATEGIES)[number]
  clientId: string
  clientSecret: string
  realm: string
  apiKey: string
  apiUrl: string
  authUrl: string
  organizationId: string
  projectId: string
  trigger: (typeof CASTREL_TRIGGERS)[number]
  triggerConfig: Record<string, unknown>
  urlSources: string[]
  remotePrefix: string
  onRemoved: (typeof ON_REMOVED)[number]
  maxDeletions: number
  dryRun: boolean
  concurrency: number
  processingTimeoutSeconds: number
  agentId: string
  agentUrl: string
  agentStreaming: boolean
  prompt: string
  comment: boolean
  githubToken: string
}
