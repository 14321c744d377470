/**
 * Credentials every emulated vendor accepts out of the box, for `npm run demo`, the README's
 * local recipes and the tests. They are not secrets: they only open the local emulator.
 * Each vendor module seeds its own from here.
 */
export const DEMO_ACCOUNTS = {
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
