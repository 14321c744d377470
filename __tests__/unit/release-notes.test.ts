// Level: unit. The release workflow publishes the CHANGELOG.md section of the tagged version as the release notes.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { releaseNotes } from '../../scripts/release-notes.ts'

const root = join(import.meta.dirname, '..', '..')

const changelog = [
  '# Changelog',
  '',
  '## [Unreleased]',
  '',
  '## [1.2.0] - 2026-12-01',
  '',
  '### Added',
  '- Shards.',
  '',
  '## [1.1.10]',
  '- Ten.',
  '',
  '## [1.1.1]',
  '- One.',
  '',
  '## [1.0.0-rc.1]',
  '',
  '[1.2.0]: https://example.com/compare/v1.1.10...v1.2.0',
  ''
].join('\n')

describe('release notes from CHANGELOG.md', () => {
  it('takes the body of the version section, up to the next section', () => {
    expect(releaseNotes(changelog, '1.2.0')).toBe('### Added\n- Shards.\n')
    expect(releaseNotes(changelog, '1.1.1')).toBe('- One.\n')
    expect(releaseNotes(changelog, '1.1.10')).toBe('- Ten.\n')
  })

  it('fails on a missing or empty section, so no release goes out without notes', () => {
    expect(() => releaseNotes(changelog, '1.1.2')).toThrow('has no "## [1.1.2]" section')
    expect(() => releaseNotes(changelog, '1.1')).toThrow('has no')
    expect(() => releaseNotes(changelog, '1.0.0-rc.1')).toThrow('is empty')
  })

  it('has notes for the version in package.json, so tagging it can release', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
    expect(releaseNotes(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), version).length).toBeGreaterThan(0)
  })
})
