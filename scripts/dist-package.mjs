// ncc emits ESM; this marks dist/ as a module package so Node loads dist/index.js as ESM.
import { writeFileSync } from 'node:fs'
writeFileSync(new URL('../dist/package.json', import.meta.url), '{\n  "type": "module"\n}\n')
