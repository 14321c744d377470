import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { actionsLog, forStdout, neutraliseCommands, printablePath } from '../../src/log.js'
import { clearSecrets, registerSecret } from '../../src/secrets.js'

/** Lines the runner would read as workflow commands: `::` after leading whitespace, or `##[` anywhere. */
function commandLines(stdout: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the runner's whitespace includes these separators
  return stdout.split(/\r\n|\r|\n/).filter((l) => /^[\s\u0085\u001c-\u001f]*::/.test(l) || l.includes('##['))
}

describe('neutraliseCommands', () => {
  it('makes every line that starts with :: or holds ##[ inert, and keeps the text readable', () => {
    const hostile = 'docs/x\n::stop-commands::pwn\n  ::error file=a::forged\n\u00a0::set-output name=x::y\nsee ##[warning]v1 command\nfine :: in the middle'
    const out = neutraliseCommands(hostile)
    expect(commandLines(out)).toEqual([])
    expect(out.replace(/\u200b/g, '')).toBe(hostile)
    expect(out.split('\n')).toHaveLength(6)
  })

  it('shows a carriage return as \\r, since the runner ends a line at one; CRLF becomes LF', () => {
    expect(neutraliseCommands('a\r::stop-commands::x')).toBe('a\\r::stop-commands::x')
    expect(commandLines(neutraliseCommands('a\r::stop-commands::x'))).toEqual([])
    expect(neutraliseCommands('one\r\ntwo')).toBe('one\ntwo')
  })

  it('redacts before neutralising', () => {
    clearSecrets()
    registerSecret('a-secret-token')
    expect(forStdout('::a-secret-token::')).toBe(':\u200b:***::')
  })
})

describe('printablePath', () => {
  it('leaves ordinary paths alone and escapes control characters JSON-style', () => {
    expect(printablePath('docs/ünï cödé.md')).toBe('docs/ünï cödé.md')
    expect(printablePath('docs/x\n::stop-commands::pwn\ny.md')).toBe('"docs/x\\n::stop-commands::pwn\\ny.md"')
    expect(printablePath('a\u2028b\u007fc\u0085d\te')).toBe('"a\\u2028b\\u007fc\\u0085d\\te"')
  })
})

describe('actionsLog', () => {
  let written = ''
  beforeEach(() => {
    written = ''
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk)
      return true
    })
  })
  afterEach(() => vi.restoreAllMocks())

  it('prints no line the runner would take for a command, at any level', () => {
    const hostile = 'Upload failed for docs/x\n::stop-commands::pwn\n##[error]forged'
    actionsLog.info(hostile)
    actionsLog.debug(hostile)
    actionsLog.notice(hostile)
    actionsLog.warning(hostile, 'docs/a.md')
    actionsLog.error(hostile)
    const lines = written.split('\n').filter(Boolean)
    // Our own commands (::debug::, ::warning…::) each stay one line; nothing else is a command.
    expect(commandLines(written).map((l) => l.split('::')[1])).toEqual(['debug', 'notice', 'warning file=docs/a.md', 'error'])
    expect(lines[0]).toBe('Upload failed for docs/x')
    expect(written).not.toMatch(/^::stop-commands::/m)
  })
})
