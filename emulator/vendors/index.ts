import type { VendorEmulator } from '../server.ts'
import { createCastrelEmulator } from './castrel.ts'
import { createGithubEmulator } from './github.ts'
import { createStackspotAgentEmulator } from './stackspot-agent.ts'
import { StackSpotIdm } from './stackspot-idm.ts'
import { createStackspotEmulator } from './stackspot.ts'
import { createStaffifyEmulator } from './staffify.ts'
import { createTelzinoEmulator } from './telzino.ts'

/**
 * Every emulated service with fresh state. The StackSpot IDM is shared: the Knowledge Sources
 * and Agents emulators accept the tokens it issues.
 */
export function allVendors(): VendorEmulator[] {
  const idm = new StackSpotIdm()
  return [
    idm,
    createStackspotEmulator(idm),
    createStackspotAgentEmulator(idm),
    createStaffifyEmulator(),
    createTelzinoEmulator(),
    createCastrelEmulator(),
    createGithubEmulator()
  ]
}
