/**
 * Pre-signed upload URLs come from the vendor's answer, not from the user's inputs, and the
 * action sends a doc's bytes to them from inside the runner's network. A vendor bug or a hostile
 * answer could aim them at the cloud metadata service (169.254.169.254) or a service on the
 * runner's private network, so they are checked before any byte is sent.
 */
import { lookup } from 'node:dns/promises'
import { isIPv4, isIPv6 } from 'node:net'
import { ActionError } from './errors.js'

export type AddressKind = 'public' | 'loopback' | 'private' | 'link-local' | 'unspecified' | 'multicast' | 'reserved'

/**
 * Throws unless `raw` is an https URL (http only to loopback, where the emulator runs) whose host,
 * as written and as resolved, is no link-local, private, unspecified, multicast or reserved
 * address. `what` names the upload in the message: `the upload URL StackSpot gave for docs/a.md`.
 *
 * The check resolves the name once and the request resolves it again, so a DNS answer that
 * changes in between is not caught; it stops a vendor's answer naming such an address outright.
 */
export async function checkUploadUrl(raw: string, what: string, resolve: (host: string) => Promise<string[]> = resolveAll): Promise<void> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ActionError(`${what} is not a valid URL. Nothing was sent.`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ActionError(`${what} uses ${url.protocol.replace(/:$/, '')}, not https. Nothing was sent.`)
  }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const literal = isIPv4(host) || isIPv6(host)
  let addresses: string[]
  if (literal) {
    addresses = [host]
  } else {
    try {
      addresses = await resolve(host)
    } catch {
      // The request would fail on the same lookup, or a proxy resolves the name; neither reaches a private address from here.
      addresses = []
    }
  }
  for (const address of addresses) {
    const kind = addressKind(address)
    if (kind !== 'public' && kind !== 'loopback') {
      const resolved = literal ? '' : ` (${host} resolves to ${address})`
      throw new ActionError(
        `${what} points at ${literal ? address : host}${resolved}, ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} address; refused, since a vendor's upload URL must be a public https address. Nothing was sent.`
      )
    }
  }
  const loopback = addresses.length > 0 && addresses.every((a) => addressKind(a) === 'loopback')
  if (url.protocol === 'http:' && !loopback) {
    throw new ActionError(`${what} uses plain http to ${host}; only https is accepted (http only to loopback). Nothing was sent.`)
  }
}

async function resolveAll(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)
}

/** What kind of address an IPv4 or IPv6 literal is; IPv4 carried inside IPv6 (mapped, compatible, NAT64) counts as IPv4. */
export function addressKind(address: string): AddressKind {
  if (isIPv4(address)) return ipv4Kind(address.split('.').map(Number))
  const bytes = ipv6Bytes(address)
  if (!bytes) return 'reserved'
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0)
  if (zeros(0, 16)) return 'unspecified'
  if (zeros(0, 15) && bytes[15] === 1) return 'loopback'
  const embedsIpv4 =
    (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) ||
    zeros(0, 12) ||
    (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12))
  if (embedsIpv4) return ipv4Kind(bytes.slice(12, 16))
  const [b0, b1] = [bytes[0]!, bytes[1]!]
  if (b0 === 0xff) return 'multicast'
  if (b0 === 0xfe && (b1 & 0xc0) === 0x80) return 'link-local'
  // fc00::/7 unique local, fec0::/10 the old site-local: both private networks.
  if ((b0 & 0xfe) === 0xfc || (b0 === 0xfe && (b1 & 0xc0) === 0xc0)) return 'private'
  return 'public'
}

function ipv4Kind([a, b]: number[]): AddressKind {
  if (a === undefined || b === undefined) return 'reserved'
  if (a === 127) return 'loopback'
  if (a === 0) return 'unspecified'
  // 100.64/10 is carrier-grade NAT: as private as 10/8 from the runner's point of view.
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return 'private'
  if (a === 169 && b === 254) return 'link-local'
  if (a >= 224 && a <= 239) return 'multicast'
  if (a >= 240) return 'reserved'
  return 'public'
}

/** The 16 bytes of an IPv6 literal (zone id ignored, dotted IPv4 tail allowed), or undefined. */
function ipv6Bytes(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, '').toLowerCase()
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1]
  if (dotted) {
    if (!isIPv4(dotted)) return undefined
    const [a, b, c, d] = dotted.split('.').map(Number) as [number, number, number, number]
    text = `${text.slice(0, -dotted.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groups = (part: string) => (part === '' ? [] : part.split(':'))
  const head = groups(halves[0]!)
  const tail = halves.length === 2 ? groups(halves[1]!) : []
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined
  return all.flatMap((g) => {
    const n = Number.parseInt(g, 16)
    return [n >> 8, n & 0xff]
  })
}
