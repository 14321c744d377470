/**
 * `npm run demo [-- --vendor stackspot|staffify|telzino|castrel]`: the whole flow on this machine,
 * with no credentials. Starts the vendor emulator, makes a sample docs repository with a real git
 * history, and runs the bundled dist/index.js exactly as the runner would (INPUT_* variables, real
 * webhook payloads, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files):
 *   1. a first push (full sync), 2. a push that edits, renames, adds and deletes docs,
 *   3. the command line (dist/cli/index.js, `npx knowledge-sync`) syncing one more commit with `--since`,
 *   4. (stackspot) a pull request that asks the emulated agent and posts the PR comment.
 * Fails loudly (exit 1) if any step does not do what it should, and leaves no process behind.
 */
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startEmulator } from '../emulator/server.ts'
import { git, makeRepo, type TestRepo } from '../__tests__/helpers/git-repo.ts'
import { pullRequestPayload, pushPayload } from '../__tests__/helpers/payloads.ts'
import { runAction, type RunResult } from '../__tests__/helpers/run-action.ts'
import { runRecorded } from '../__tests__/helpers/workflow-runs.ts'
import { DEMO_ACCOUNTS, demoInputs } from '../emulator/demo-accounts.ts'
import { allVendors, type FullEmulator } from '../emulator/vendors/index.ts'

const root = resolve(import.meta.dirname, '..')
const { values } = parseArgs({ options: { vendor: { type: 'string', default: 'stackspot' } } })
const vendor = values.vendor!
if (!['stackspot', 'staffify', 'telzino', 'castrel'].includes(vendor)) {
  console.error(`--vendor must be stackspot, staffify, telzino or castrel (got "${vendor}")`)
  process.exit(2)
}

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
const step = (s: string) => console.log(`\n${bold(`━━ ${s} ━━`)}`)

function buildIfNeeded(): void {
  const bundles = [join(root, 'dist/index.js'), join(root, 'dist/cli/index.js')]
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce(
      (m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs),
      0
    )
  if (bundles.every((b) => existsSync(b) && statSync(b).mtimeMs >= newest(join(root, 'src')))) return
  step('Building dist/ (src/ is newer)')
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' })
}

/** What GitHub knows about a push: the compare of before...after, taken from the real repository. */
async function seedCompare(emu: FullEmulator, repo: TestRepo, before: string, after: string): Promise<void> {
  const raw = await git(repo.work, 'diff', '--name-status', '-M', '-z', before, after)
  const parts = raw.split('\0').filter(Boolean)
  const files: Array<{ filename: string; status: string; previous_filename?: string }> = []
  const status: Record<string, string> = { A: 'added', M: 'modified', D: 'removed', R: 'renamed' }
  for (let i = 0; i < parts.length; ) {
    const code = parts[i++]!
    if (code.startsWith('R')) {
      const from = parts[i++]!
      files.push({ filename: parts[i++]!, status: 'renamed', previous_filename: from })
    } else files.push({ filename: parts[i++]!, status: status[code[0]!] ?? 'modified' })
  }
  emu.vendor('github').seed({ repo: 'octo/handbook', compares: [{ base: before, head: after, status: 'ahead', files }] })
}

function show(title: string, r: RunResult): void {
  step(title)
  const lines = r.stdout.split('\n').filter((l) => !l.startsWith('::debug::') && !l.startsWith('::add-mask::'))
  console.log(lines.join('\n').trim())
  console.log(
    `\n${bold('Outputs')}: uploaded=${r.outputs.uploaded} deleted=${r.outputs.deleted} unchanged=${r.outputs.unchanged} failed=${r.outputs.failed} skipped=${r.outputs.skipped}`
  )
  if (r.code !== 0) throw new Error(`${title}: the action exited ${r.code}\n${r.stderr}`)
}

/** The store as a user would look at it in the vendor's UI: one line per document or entry. */
function printStore(state: Record<string, any>): void {
  const lines: string[] = []
  if (vendor === 'stackspot') {
    for (const ks of state.stackspot?.knowledgeSources ?? []) {
      lines.push(`Knowledge Source ${ks.slug}:`)
      for (const o of ks.objects ?? [])
        lines.push(`  ${o.standalone ? '[manual] ' : ''}${o.file_path ?? '(no path)'}  checksum ${String(o.checksum ?? '').slice(0, 12)}…`)
    }
  } else if (vendor === 'staffify') {
    for (const kb of state.staffify?.knowledgeBases ?? []) {
      lines.push(`Knowledge base ${kb.public_id} "${kb.name}":`)
      for (const e of kb.entries ?? []) lines.push(`  Q: ${e.question}`)
    }
  } else if (vendor === 'telzino') {
    for (const kb of state.telzino?.knowledgeBases ?? []) {
      lines.push(`Knowledge base ${kb.id} "${kb.name}":`)
      for (const s of kb.sources ?? []) lines.push(`  ${s.source_type ?? s.sourceType} ${s.name}  ${s.status ?? ''}`)
    }
  } else {
    for (const k of state.castrel?.entries ?? state.castrel?.knowledges ?? []) {
      lines.push(`  #${k.id} ${k.name}  labels ${JSON.stringify(k.labels ?? {})}${k.description ? `  — ${k.description}` : ''}`)
    }
  }
  console.log(lines.length > 0 ? lines.join('\n') : JSON.stringify(state[vendor], null, 2).slice(0, 3000))
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(`demo check failed: ${what}`)
  console.log(`  ✓ ${what}`)
}

async function main(): Promise<void> {
  buildIfNeeded()
  const emu = await startEmulator({ vendors: allVendors(), processingMs: 50 })
  let repo: TestRepo | undefined
  try {
    step(`Vendor emulator on ${emu.url} (vendor: ${vendor})`)
    const token = 'ghs_demo_installation_token'
    emu.vendor('github').seed({ repo: 'octo/handbook', tokens: { [token]: { login: 'github-actions[bot]', type: 'Bot', id: 41898282 } } })
    const common = demoInputs(vendor as Parameters<typeof demoInputs>[0], emu.url, {
      paths: 'docs/**/*.md',
      'github-token': token,
      'knowledge-base': vendor === 'stackspot' ? 'demo-docs' : 'Demo docs'
    })
    const env = { KS_HTTP_BACKOFF_MS: '50' }

    repo = await makeRepo({
      'docs/index.md': '# Handbook\n\nWelcome to the team handbook.\n\n## Who we are\n\nA small team that ships docs.\n',
      'docs/guide/setup.md': '# Setup\n\n## Install\n\nRun `npm ci`.\n\n## Configure\n\nCopy `.env.example`.\n',
      'docs/guide/usage.md': '# Usage\n\nCall the API with your key.\n',
      'docs/faq.md': '# FAQ\n\n## Is it free?\n\nYes.\n',
      'docs/old-name.md': '# Release process\n\nTag, then publish.\n',
      'src/app.ts': 'export const notADoc = true\n'
    })
    const first = await repo.push()
    const ws1 = await repo.checkout()
    // Each push's run is recorded as GitHub would: the next push's run diffs from the commit it synced.
    const r1 = await runRecorded(emu.vendor('github'), {
      inputs: common,
      workspace: ws1,
      eventName: 'push',
      payload: pushPayload({ owner: 'octo', name: 'handbook', ...first }),
      emulatorUrl: emu.url,
      env,
      headSha: first.after
    })
    show('1. First push: a new branch, so a full sync', r1)
    expect(r1.outputs.uploaded === '5', 'five docs uploaded, src/app.ts ignored')

    await repo.write({
      'docs/guide/usage.md': '# Usage\n\nCall the API with your key.\n\n## Rate limits\n\n100 requests a minute.\n',
      'docs/changelog.md': '# Changelog\n\n- v1\n'
    })
    await repo.rename('docs/old-name.md', 'docs/release.md')
    await repo.remove('docs/faq.md')
    await repo.commit('Edit usage, add changelog, rename release doc, drop FAQ')
    const second = await repo.push()
    await seedCompare(emu, repo, second.before, second.after)
    const ws2 = await repo.checkout()
    const r2 = await runRecorded(emu.vendor('github'), {
      inputs: common,
      workspace: ws2,
      eventName: 'push',
      payload: pushPayload({ owner: 'octo', name: 'handbook', ...second }),
      emulatorUrl: emu.url,
      env,
      headSha: second.after
    })
    show('2. Second push: edit, add, rename, delete', r2)
    expect(!/Full reconcile/.test(r2.log), "only the push's changes, diffed from the commit the first run synced")
    const plan = JSON.parse(r2.outputs.plan ?? '[]') as Array<{ path: string; outcome: string }>
    const outcome = (p: string) => plan.find((i) => i.path === p)?.outcome
    expect(outcome('docs/guide/usage.md') === 'replaced', 'usage.md replaced')
    expect(outcome('docs/changelog.md') === 'uploaded', 'changelog.md uploaded')
    expect(outcome('docs/release.md') === 'uploaded', 'release.md uploaded (renamed from old-name.md)')
    expect(['deleted', 'tombstoned'].includes(outcome('docs/old-name.md') ?? ''), 'old-name.md removed')
    expect(['deleted', 'tombstoned'].includes(outcome('docs/faq.md') ?? ''), 'faq.md removed')

    step('Store contents')
    printStore(emu.state())

    // The same sync from a shell: secrets in KNOWLEDGE_SYNC_* variables, the rest as flags, changes from git.
    await repo.write({ 'docs/changelog.md': '# Changelog\n\n- v1\n- v2: synced from the command line\n' })
    await repo.commit('Changelog: v2')
    const cliEnv: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }
    const cliFlags = ['--namespace', 'octo/handbook']
    for (const [name, value] of Object.entries(common)) {
      if (name === 'github-token') continue
      if (['client-id', 'client-secret', 'api-key'].includes(name)) cliEnv[`KNOWLEDGE_SYNC_${name.toUpperCase().replace(/-/g, '_')}`] = value
      else cliFlags.push(`--${name}`, value)
    }
    step('3. Command line: npx knowledge-sync sync --since HEAD~1')
    // Asynchronously: the emulator answers from this very process.
    const cli = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [join(root, 'dist/cli/index.js'), 'sync', '--since', 'HEAD~1', ...cliFlags],
        { cwd: repo!.work, env: cliEnv },
        (error, stdout, stderr) => done({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
      )
    })
    console.log(cli.stdout.trim())
    expect(cli.status === 0, `knowledge-sync exited ${cli.status}${cli.status === 0 ? '' : `\n${cli.stderr}`}`)
    expect(/replaced\s+docs\/changelog\.md/.test(cli.stdout), 'changelog.md replaced, nothing else sent')

    if (vendor === 'stackspot') {
      await git(repo.work, 'checkout', '-q', '-b', 'docs-change')
      await repo.write({ 'docs/guide/setup.md': '# Setup\n\n## Install\n\nRun `npm ci` with Node 24.\n\n## Configure\n\nCopy `.env.example` to `.env`.\n' })
      const head = await repo.commit('Setup: require Node 24')
      await git(repo.work, 'push', '-q', 'origin', 'docs-change')
      emu.vendor('github').seed({
        repo: 'octo/handbook',
        pulls: [
          {
            number: 12,
            title: 'Setup: require Node 24',
            body: 'Updates the setup guide.',
            head: { sha: head, repo: 'octo/handbook' },
            base: { sha: second.after },
            files: [{ filename: 'docs/guide/setup.md', status: 'modified' }]
          }
        ]
      })
      // fetch-depth: 2, as docs/agent.md recommends, so the prompt carries the diff of the docs.
      const ws3 = await repo.checkout(head, 2)
      const r3 = await runAction({
        inputs: { ...common, 'agent-id': DEMO_ACCOUNTS.stackspotAgentId },
        workspace: ws3,
        eventName: 'pull_request',
        payload: pullRequestPayload({
          owner: 'octo',
          name: 'handbook',
          number: 12,
          headSha: head,
          baseSha: second.after,
          title: 'Setup: require Node 24',
          body: 'Updates the setup guide.'
        }),
        emulatorUrl: emu.url,
        env
      })
      show('4. Pull request #12: dry-run plan, agent review, PR comment', r3)
      const comments = Object.values(emu.vendor('github').state().comments).flat()
      step('The PR comment')
      console.log(comments.at(-1)?.body ?? '(none)')
      expect(comments.length === 1, 'one PR comment')
      expect(Boolean(r3.outputs['comment-url']), 'comment-url output set')
    }
    step('Demo finished: every step did what it should')
  } finally {
    await repo?.cleanup()
    await emu.close()
  }
}

main().catch((error: unknown) => {
  console.error(`\n✗ ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
