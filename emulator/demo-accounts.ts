/**
 * Credentials every emulated vendor accepts out of the box, for `npm run demo`, the README's
 * local recipes and the tests. They are not secrets: they only open the local emulator.
 * Each vendor module seeds its own from here.
 */
export const DEMO_ACCOUNTS = {
  stackspot: { clientId: 'demo-client', clientSecret: 'demo-secret-value', realm: 'demo-realm' },
  staffify: { apiKey: 'sfy_live_demo_key_0000000000000000' },
  telzino: {
    clientId: 'tz-demo-client',
    clientSecret: 'tz-demo-secret-0000',
    accessToken: 'tz-demo-access-token-0000',
    organizationId: '987fcdeb-51a2-3bc4-d567-890123456789'
  },
  castrel: { pat: 'castrel-demo-pat-0000' },
  /** The agent the StackSpot agent emulator answers as by default. */
  stackspotAgentId: '01DEMOAGENT000000000000000'
} as const

/**
 * The action inputs that point one vendor at an emulator running at `base` with the demo
 * accounts; `extra` adds or overrides inputs. Shared by the demo, the benchmark and the tests.
 */
export function demoInputs(vendor: 'stackspot' | 'staffify' | 'telzino' | 'castrel', base: string, extra: Record<string, string> = {}): Record<string, string> {
  const a = DEMO_ACCOUNTS
  const byVendor: Record<string, Record<string, string>> = {
    stackspot: {
      'client-id': a.stackspot.clientId,
      'client-secret': a.stackspot.clientSecret,
      realm: a.stackspot.realm,
      'api-url': `${base}/stackspot`,
      'auth-url': `${base}/stackspot/idm/${a.stackspot.realm}/oidc/oauth/token`,
      'agent-url': `${base}/stackspot/agent`
    },
    staffify: { 'api-key': a.staffify.apiKey, 'api-url': `${base}/staffify/v1` },
    telzino: {
      'client-id': a.telzino.clientId,
      'client-secret': a.telzino.clientSecret,
      'organization-id': a.telzino.organizationId,
      'api-url': `${base}/telzino`,
      'auth-url': `${base}/telzino/oauth/token`
    },
    castrel: { 'api-key': a.castrel.pat, 'api-url': `${base}/castrel` }
  }
  return { vendor, ...byVendor[vendor], ...extra }
}
