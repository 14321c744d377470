// Finishes what ncc wrote to dist/ (`npm run build`, and check-dist on its own fresh build):
//  - dist/package.json marks dist/ as a module package, so Node loads dist/index.js as ESM;
//  - every non-ASCII character of index.js becomes a \uXXXX escape, as esbuild does by default.
//    One non-ASCII character (undici's comments have hundreds) makes V8 hold and compile the whole
//    bundle as two-byte text; ASCII-only, Node decodes and compiles it as one-byte text, which cut
//    the action's start-up CPU time by about a sixth (bench/stackspot.ts, the push figure).
//    The escape means the same in strings, cooked templates, regular expressions and comments; the
//    bundle has no String.raw and no non-ASCII identifier. index.js.map is shifted to match.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** @param {string} dir the ncc output directory */
export function finishDist(dir) {
  writeFileSync(join(dir, 'package.json'), '{\n  "type": "module"\n}\n')
  const js = join(dir, 'index.js')
  const { code, shifts } = escapeNonAscii(readFileSync(js, 'utf8'))
  writeFileSync(js, code)
  const mapFile = join(dir, 'index.js.map')
  let map
  try {
    map = JSON.parse(readFileSync(mapFile, 'utf8'))
  } catch {
    return
  }
  map.mappings = shiftMappings(map.mappings, shifts)
  writeFileSync(mapFile, JSON.stringify(map))
}

/**
 * Escapes by UTF-16 code unit (an astral character becomes its surrogate pair, valid in every context above).
 * @param {string} text
 * @returns {{ code: string, shifts: Map<number, Array<[number, number]>> }}
 */
function escapeNonAscii(text) {
  /** @type {Map<number, Array<[number, number]>>} line → [[column in the old line, extra columns from there on], …] */
  const shifts = new Map()
  const lines = text.split('\n').map((line, n) => {
    if (!/[\u0080-\uffff]/.test(line)) return line
    /** @type {Array<[number, number]>} */
    const points = []
    let extra = 0
    let out = ''
    for (let col = 0; col < line.length; col++) {
      const unit = line.charCodeAt(col)
      if (unit < 0x80) {
        out += line[col]
        continue
      }
      out += `\\u${unit.toString(16).padStart(4, '0')}`
      extra += 5
      points.push([col + 1, extra])
    }
    shifts.set(n, points)
    return out
  })
  return { code: lines.join('\n'), shifts }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** @param {string} segment @returns {number[]} */
function decodeVlq(segment) {
  /** @type {number[]} */
  const values = []
  let value = 0
  let shift = 0
  for (const ch of segment) {
    const digit = B64.indexOf(ch)
    value += (digit & 31) << shift
    if (digit & 32) shift += 5
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1)
      value = 0
      shift = 0
    }
  }
  return values
}

/** @param {number[]} values */
function encodeVlq(values) {
  let out = ''
  for (const v of values) {
    let n = v < 0 ? (-v << 1) | 1 : v << 1
    do {
      let digit = n & 31
      n >>>= 5
      if (n > 0) digit |= 32
      out += B64[digit]
    } while (n > 0)
  }
  return out
}

/** Moves each mapping's generated column on an escaped line by the characters inserted before it. */
/**
 * @param {string} mappings
 * @param {Map<number, Array<[number, number]>>} shifts
 */
function shiftMappings(mappings, shifts) {
  return mappings
    .split(';')
    .map((line, n) => {
      const points = shifts.get(n)
      if (!points || line === '') return line
      let oldCol = 0
      let newPrev = 0
      return line
        .split(',')
        .map((segment) => {
          const values = decodeVlq(segment)
          oldCol += values[0] ?? 0
          let extra = 0
          for (const [col, e] of points) if (col <= oldCol) extra = e
          const newCol = oldCol + extra
          values[0] = newCol - newPrev
          newPrev = newCol
          return encodeVlq(values)
        })
        .join(',')
    })
    .join(';')
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // The action's bundle and the command line's (`npx knowledge-sync`).
  for (const dir of ['../dist/', '../dist/cli/']) finishDist(fileURLToPath(new URL(dir, import.meta.url)))
}
