import { createCastrelEmulator } from './castrel/index.ts'
import { createGithubEmulator } from './github/index.ts'
import { createStackspotAgentEmulator } from './stackspot-agent/index.ts'
import { StackSpotIdm } from './stackspot-idm/index.ts'
import { createStackspotEmulator } from './stackspot/index.ts'
import { createStaffifyEmulator } from './staffify/index.ts'
import { createTelzinoEmulator } from './telzino/index.ts'

/**
 * Every emulated service with fresh state. The StackSpot IDM is shared: the Knowledge Sources
 * and Agents emulators accept the tokens it issues.
 */
export function allVendors() {
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
