#!/usr/bin/env node
// The `knowledge-sync` command (bin in package.json), bundled to dist/cli/index.js.
import { main } from './main.js'
import { quietStrayStdout } from './output.js'

const stdout = quietStrayStdout(process.argv.includes('--verbose'))
process.exitCode = await main(process.argv.slice(2), { io: { stdout, stderr: process.stderr }, env: process.env, cwd: process.cwd() })
