/**
 * Prints the CHANGELOG.md section of one version, the body of its GitHub release:
 *   node scripts/release-notes.ts 1.2.3 [CHANGELOG.md]
 * Fails when the section is missing or empty, so a release never goes out without notes.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The text under `## [version]` (Keep a Changelog: `## [1.2.3] - 2026-11-27`), up to the next `## `. */
export function releaseNotes(changelog: string, version: string): string {
  const lines = changelog.split('\n')
  const heading = new RegExp(`^## \\[?v?${version.replace(/[.+]/g, '\\$&')}\\]?(\\s|$)`)
  const start = lines.findIndex((l) => heading.test(l))
  if (start < 0) throw new Error(`CHANGELOG.md has no "## [${version}]" section`)
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l))
  if (end < 0) end = lines.length
  // Link definitions (`[1.2.3]: https://…`) close the file and belong to no section.
  const body = lines
    .slice(start + 1, end)
    .filter((l) => !/^\[[^\]]+\]:\s/.test(l))
    .join('\n')
    .trim()
  if (body === '') throw new Error(`the "## [${version}]" section of CHANGELOG.md is empty`)
  return `${body}\n`
}

if (import.meta.main) {
  const version = (process.argv[2] ?? '').replace(/^v/, '')
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
    console.error('usage: node scripts/release-notes.ts <version, e.g. 1.2.3> [CHANGELOG.md]')
    process.exit(2)
  }
  const file = process.argv[3] ?? join(import.meta.dirname, '..', 'CHANGELOG.md')
  try {
    process.stdout.write(releaseNotes(readFileSync(file, 'utf8'), version))
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  }
}
