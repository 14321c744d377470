// Fails when the committed dist/ does not match a fresh build of src/ (the runner executes dist/).
// Builds into a temporary directory so the working tree is never touched.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finishDist } from './dist-package.mjs'

const root = new URL('..', import.meta.url).pathname
const out = mkdtempSync(join(tmpdir(), 'ks-dist-'))
try {
  execFileSync(join(root, 'node_modules/.bin/ncc'), ['build', 'src/index.ts', '-o', out, '--source-map', '--license', 'licenses.txt', '-q'], {
    cwd: root,
    stdio: 'inherit'
  })
  finishDist(out)
  const names = new Set([...readdirSync(out), ...readdirSync(join(root, 'dist'))])
  const stale = []
  for (const name of names) {
    let fresh, committed
    try {
      fresh = readFileSync(join(out, name))
    } catch {
      fresh = undefined
    }
    try {
      committed = readFileSync(join(root, 'dist', name))
    } catch {
      committed = undefined
    }
    if (!fresh || !committed || !fresh.equals(committed)) stale.push(name)
  }
  if (stale.length > 0) {
    console.error(`dist/ does not match src/: ${stale.join(', ')} differ. Run \`npm run build\` and commit dist/.`)
    process.exit(1)
  }
  console.log('dist/ matches src/.')
} finally {
  rmSync(out, { recursive: true, force: true })
}
