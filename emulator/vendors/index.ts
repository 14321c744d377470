/**
 * The vendors the entry points (cli, demo, bench, tests) hand to startEmulator. Each lives in its
 * own folder with the same layout:
 *   index.ts     the factory: name, register (mounts the routes), state, reset, seed; public exports
 *   state.ts     the store: its data, reset, state() view and seeding, with the exported
 *                `<Vendor>State` and `<Vendor>Seed` types
 *   routes*.ts   the HTTP handlers, each module `register…Routes(router, store)`
 *   other files  helpers of that vendor alone (auth, validation, files, shapes)
 */
import type { RunningEmulator } from '../server.ts'
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

/** Any one of the vendors above, with its own state and seed types. */
export type KnownVendor = ReturnType<typeof allVendors>[number]

/** An emulator started with allVendors(): `emu.vendor('staffify').state()` is typed. */
export type FullEmulator = RunningEmulator<KnownVendor>
