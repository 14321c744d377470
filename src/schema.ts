/** Transitional: pipeline.ts, sync.ts and planner.ts still import Settings from here; remove once they import ./settings.js. */
export type { Settings } from './settings.js'
