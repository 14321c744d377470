import type { VendorEmulator } from '../server.ts'
import type { StackSpotIdm } from './stackspot-idm.ts'

export function createStackspotAgentEmulator(_idm: StackSpotIdm): VendorEmulator {
  return { name: 'stackspot-agent', register() {}, state: () => ({}), reset() {} }
}
