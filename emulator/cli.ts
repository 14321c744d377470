/**
 * `npm run emulator [-- --port 4010]`: starts the vendor emulator on 127.0.0.1 and prints the URLs
 * to pass to the action. Ctrl-C stops it.
 */
import { parseArgs } from 'node:util'
import type { VendorEmulator } from './framework.ts'
import { startEmulator } from './server.ts'
import { DEMO_ACCOUNTS } from './demo-accounts.ts'
import { GITHUB_EMULATOR_TOKEN } from './vendors/github/index.ts'
import { allVendors } from './vendors/index.ts'
import { DEMO_CLIENT } from './vendors/stackspot-idm/index.ts'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.EMULATOR_PORT ?? '4010' },
    'processing-ms': { type: 'string', default: '300' },
    'token-ttl': { type: 'string', default: '1199' },
    // Another plausible vendor behaviour where the docs are silent (docs/emulator.md "Profiles"); repeatable.
    profile: { type: 'string', multiple: true, default: [] },
    'list-profiles': { type: 'boolean', default: false }
  }
})
if (values['list-profiles']) {
  const vendors: readonly VendorEmulator[] = allVendors()
  for (const v of vendors) for (const p of v.profiles ?? []) console.log(`${p.name.padEnd(36)} ${p.behaviour}`)
  process.exit(0)
}
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number, got "${values.port}"`)
  process.exit(2)
}
const emulator = await startEmulator({
  vendors: allVendors(),
  port,
  processingMs: Number(values['processing-ms']),
  tokenTtlSeconds: Number(values['token-ttl']),
  profiles: values.profile.flatMap((p) => p.split(','))
})
console.log(`Vendor emulator listening on ${emulator.url} (loopback only)\n`)
console.log('Pass these to the action (or set GITHUB_API_URL for the GitHub API):')
for (const [name, url] of Object.entries(emulator.urls)) console.log(`  ${name.padEnd(20)} ${url}`)
console.log('\nDemo credentials (they open this emulator only):')
console.log(
  `  stackspot   client-id ${DEMO_CLIENT.clientId}, client-secret ${DEMO_CLIENT.clientSecret}, realm ${DEMO_CLIENT.realm}, agent-id ${DEMO_ACCOUNTS.stackspotAgentId}`
)
console.log(`  staffify    api-key ${DEMO_ACCOUNTS.staffify.apiKey}`)
console.log(
  `  telzino     client-id ${DEMO_ACCOUNTS.telzino.clientId}, client-secret ${DEMO_ACCOUNTS.telzino.clientSecret} (or api-key ${DEMO_ACCOUNTS.telzino.accessToken}), organization-id ${DEMO_ACCOUNTS.telzino.organizationId}`
)
console.log(`  castrel     api-key ${DEMO_ACCOUNTS.castrel.pat}`)
console.log(`  GitHub      token ${GITHUB_EMULATOR_TOKEN}`)
const inForce = emulator.profiles().filter((p) => p.active)
if (inForce.length > 0) console.log(`Profiles in force: ${inForce.map((p) => `${p.name} (${p.behaviour})`).join('; ')}`)
console.log(`Inspect the stores: curl ${emulator.url}/_emulator/state`)
console.log('Ctrl-C to stop.')

const stop = () => {
  void emulator.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
