import { describe, expect, it } from 'vitest'
import { addressKind, checkUploadUrl } from '../../src/upload-url.js'

describe('addressKind', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['52.216.1.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00:ec2::254', 'private'],
    ['fc12::1', 'private'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2600:1f18::1', 'public'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['::10.0.0.1', 'private']
  ])('%s is %s', (address, kind) => {
    expect(addressKind(address)).toBe(kind)
  })
})

describe('checkUploadUrl', () => {
  const what = 'the upload URL Acme gave for docs/a.md'
  const resolver = (table: Record<string, string[]>) => async (host: string) => {
    if (!table[host]) throw new Error(`ENOTFOUND ${host}`)
    return table[host]!
  }
  const none = resolver({})

  it.each([
    ['https://bucket.s3.amazonaws.com/key?X-Amz-Signature=abc', resolver({ 'bucket.s3.amazonaws.com': ['52.216.1.1'] })],
    ['http://127.0.0.1:4010/stackspot/s3/bucket', none],
    ['http://[::1]:4010/upload', none],
    ['http://localhost:4010/upload', resolver({ localhost: ['127.0.0.1', '::1'] })],
    ['https://unresolvable.example/upload', none]
  ])('accepts %s', async (url, resolve) => {
    await expect(checkUploadUrl(url, what, resolve)).resolves.toBeUndefined()
  })

  it.each([
    ['http://169.254.169.254/latest/meta-data/', /points at 169\.254\.169\.254, a link-local address; refused/],
    ['https://169.254.169.254./latest', /link-local/],
    ['https://[::ffff:169.254.169.254]/x', /link-local/],
    ['https://[::ffff:a9fe:a9fe]/x', /link-local/],
    ['https://[fe80::1]/x', /link-local/],
    ['https://10.0.0.5/x', /10\.0\.0\.5, a private address/],
    ['https://0x0a.0.0.5/x', /10\.0\.0\.5, a private address/],
    ['https://192.168.0.1/x', /private/],
    ['https://[fd00::1]/x', /private/],
    ['https://0.0.0.0/x', /unspecified/],
    ['https://[::]/x', /unspecified/],
    ['https://224.0.0.1/x', /multicast/],
    ['https://[ff02::1]/x', /multicast/],
    ['http://s3.example.com/bucket', /plain http to s3\.example\.com; only https/],
    ['ftp://s3.example.com/bucket', /uses ftp, not https/],
    ['not a url', /is not a valid URL/]
  ])('refuses %s', async (url, message) => {
    const err = (await checkUploadUrl(url, what, resolver({ 's3.example.com': ['52.1.1.1'] })).catch((e: unknown) => e)) as Error
    expect(err).toBeInstanceOf(Error)
    expect(err.message).toMatch(message)
    expect(err.message).toContain(what)
    expect(err.message).toMatch(/Nothing was sent/)
  })

  it('refuses a host name that resolves to a private address, even among public ones', async () => {
    const resolve = resolver({ 'uploads.evil.example': ['52.1.1.1', '169.254.169.254'] })
    await expect(checkUploadUrl('https://uploads.evil.example/put?sig=secret', what, resolve)).rejects.toThrow(
      /points at uploads\.evil\.example \(uploads\.evil\.example resolves to 169\.254\.169\.254\), a link-local address/
    )
  })

  it('does not repeat the URL, whose query may carry a signature', async () => {
    const err = (await checkUploadUrl('https://10.0.0.1/put?X-Amz-Signature=topsecret', what, none).catch((e: unknown) => e)) as Error
    expect(err.message).not.toContain('topsecret')
  })
})
