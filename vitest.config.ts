import { defineConfig } from 'vitest/config'

/**
 * One project per test level, so a level runs on its own (`vitest run --project unit`):
 * unit needs neither the bundle nor the emulator; emulator talks HTTP to the emulator in-process;
 * e2e runs the bundled dist/index.js as the runner does.
 */
const LEVELS = ['unit', 'emulator', 'e2e'] as const

export default defineConfig({
  test: {
    environment: 'node',
    restoreMocks: true,
    unstubEnvs: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The e2e suites spawn the bundle and git; two cores do not take more than this well.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    server: { deps: { inline: [/@actions\//] } },
    projects: LEVELS.map((level) => ({ extends: true, test: { name: level, include: [`__tests__/${level}/**/*.test.ts`] } }))
  }
})
