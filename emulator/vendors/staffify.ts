import type { VendorEmulator } from '../server.ts'

export function createStaffifyEmulator(): VendorEmulator {
  return { name: 'staffify', register() {}, state: () => ({}), reset() {} }
}
