import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { LookupFunction } from 'node:net'
import { isPublicAddress, publicOnlyLookup } from './address-policy.ts'
import { PrivateAddressError } from './fetch-errors.ts'

describe('isPublicAddress()', () => {
  it('refuses loopback, private, link-local, unique-local and other non-public addresses', () => {
    for (const address of [
      '127.0.0.1',
      '127.1.2.3',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '64:ff9b::a00:1',
      '64:ff9b::7f00:1',
      '2002:7f00:1::1',
      // Documentation, benchmarking, discard and other special-purpose IPv6 ranges.
      '2001:db8::1',
      '2001:db8:ffff::1',
      '3fff::1',
      '100::1',
      '2001:2::1',
      '2001:10::1',
      '2001:20::1',
      '5f00::1',
      '192.0.2.1',
      '198.51.100.1',
      '203.0.113.1',
      '198.18.0.1',
    ])
      assert.equal(isPublicAddress(address), false, address)
  })

  it('allows public unicast addresses, IPv4-mapped and NAT64 forms of them', () => {
    for (const address of [
      '93.184.216.34',
      '8.8.8.8',
      '172.32.0.1',
      '2606:4700::1111',
      '2a00:1450:4001::200e',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
    ])
      assert.equal(isPublicAddress(address), true, address)
  })

  it('refuses what is not an IP address', () => {
    assert.equal(isPublicAddress('localhost'), false)
    assert.equal(isPublicAddress(''), false)
  })
})

describe('publicOnlyLookup()', () => {
  const fixed =
    (addresses: string[]): LookupFunction =>
    (_hostname, options, callback) => {
      const all = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
      if (options.all) callback(null, all)
      else callback(null, all[0]!.address, all[0]!.family)
    }
  const run = (lookup: LookupFunction, all: boolean) =>
    new Promise<unknown>((resolve, reject) =>
      lookup('host.test', { all }, (error, address) => (error ? reject(error) : resolve(address))),
    )

  it('answers names whose every address is public', async () => {
    assert.deepEqual(await run(publicOnlyLookup(fixed(['93.184.216.34', '2606:4700::1111'])), true), [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700::1111', family: 6 },
    ])
    assert.equal(await run(publicOnlyLookup(fixed(['93.184.216.34'])), false), '93.184.216.34')
  })

  it('refuses a name when any of its addresses is not public', async () => {
    await assert.rejects(run(publicOnlyLookup(fixed(['93.184.216.34', '10.1.2.3'])), true), (error: unknown) => {
      assert.ok(error instanceof PrivateAddressError)
      assert.equal(error.code, 'fetch-private-address')
      assert.equal(error.message, 'Invalid or private address: host.test is 10.1.2.3')
      return true
    })
    await assert.rejects(run(publicOnlyLookup(fixed(['::1'])), false), PrivateAddressError)
  })
})
