/**
 * Emulator profiles (issue 14): named vendor behaviours where the docs are silent, put in force at
 * start, per test, or over HTTP, and kept across resets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EmulatorProfile, Router, VendorEmulator } from '../../emulator/framework.ts'
import { startEmulator, type RunningEmulator } from '../../emulator/server.ts'
import { allVendors } from '../../emulator/vendors/index.ts'

const DEFAULTS = { pageSize: 0, word: 'INDEXED' }
const settings = { ...DEFAULTS }
const profiles: EmulatorProfile[] = [
  { name: 'echo-paged', assumption: 'one page', behaviour: 'pages of 2', settings: { pageSize: 2 } },
  { name: 'echo-done', assumption: 'INDEXED', behaviour: 'says DONE', settings: { word: 'DONE' } }
]
const echo: VendorEmulator = {
  name: 'echo',
  settings,
  profiles,
  register(router: Router) {
    router.add('GET', '/echo/settings', () => ({ status: 200, json: settings }))
  },
  state: () => ({ settings }),
  reset: () => Object.assign(settings, DEFAULTS)
}

let emu: RunningEmulator
beforeAll(async () => {
  emu = await startEmulator({ vendors: [echo], profiles: ['echo-paged'] })
})
afterAll(() => emu.close())

const served = async () => (await fetch(`${emu.url}/echo/settings`)).json()
const admin = (body: unknown) =>
  fetch(`${emu.url}/_emulator/profile`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })

describe('emulator profiles', () => {
  it('puts the start-up profile in force and keeps it across a reset', async () => {
    expect(await served()).toEqual({ pageSize: 2, word: 'INDEXED' })
    emu.reset()
    expect(await served()).toEqual({ pageSize: 2, word: 'INDEXED' })
    expect(
      emu
        .profiles()
        .filter((p) => p.active)
        .map((p) => p.name)
    ).toEqual(['echo-paged'])
  })

  it("replaces the vendor's profile, whose settings go back to the defaults first", async () => {
    emu.useProfile('echo-done')
    expect(await served()).toEqual({ pageSize: 0, word: 'DONE' })
    emu.useDefaults('echo')
    expect(await served()).toEqual(DEFAULTS)
    emu.reset()
    expect(await served()).toEqual(DEFAULTS)
  })

  it('is driven over HTTP, and an unknown name lists the known ones', async () => {
    expect((await admin({ name: 'echo-paged' })).status).toBe(200)
    expect(await served()).toEqual({ pageSize: 2, word: 'INDEXED' })
    const list = (await (await fetch(`${emu.url}/_emulator/profiles`)).json()) as Array<{ name: string; active: boolean }>
    expect(list.map((p) => [p.name, p.active])).toEqual([
      ['echo-paged', true],
      ['echo-done', false]
    ])
    expect((await admin({ vendor: 'echo', name: null })).status).toBe(200)
    expect(await served()).toEqual(DEFAULTS)
    const unknown = await admin({ name: 'echo-nope' })
    expect(unknown.status).toBe(404)
    expect(await unknown.text()).toContain('echo-paged, echo-done')
  })
})

describe("the bundled vendors' profiles", () => {
  const vendors: readonly VendorEmulator[] = allVendors()
  const all = vendors.flatMap((v) => (v.profiles ?? []).map((p) => ({ vendor: v, profile: p })))

  it('have unique names that start with their vendor', () => {
    expect(all.length).toBeGreaterThan(0)
    expect(new Set(all.map((e) => e.profile.name)).size).toBe(all.length)
    for (const { vendor, profile } of all) expect(profile.name.startsWith(`${vendor.name}-`), profile.name).toBe(true)
  })

  it('only set settings their vendor has, and say which assumption they break', () => {
    for (const { vendor, profile } of all) {
      expect(profile.assumption.length, profile.name).toBeGreaterThan(10)
      expect(profile.behaviour.length, profile.name).toBeGreaterThan(10)
      for (const key of Object.keys(profile.settings)) expect(Object.keys(vendor.settings ?? {}), `${profile.name}: ${key}`).toContain(key)
    }
  })
})
