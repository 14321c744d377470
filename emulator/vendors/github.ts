import type { VendorEmulator } from '../server.ts'

export function createGithubEmulator(): VendorEmulator {
  return { name: 'github', register() {}, state: () => ({}), reset() {} }
}
