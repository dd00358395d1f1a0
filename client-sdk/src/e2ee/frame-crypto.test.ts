import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { frameCrypto } from './frame-crypto.ts'

const fc = frameCrypto()
const hex = (value: string) => Uint8Array.from(Buffer.from(value, 'hex'))
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

describe('SFrame frame crypto (RFC 9605)', () => {
  it('encodeHeader()/decodeHeader() match the RFC 9605 Appendix C.1 encodings', () => {
    for (const [kid, ctr, header] of [
      [0, 0, '00'],
      [1, 1, '11'],
      [7, 7, '77'],
      [8, 8, '880808'],
      [255, 255, '88ffff'],
      [256, 256, '9901000100'],
      [0x123, 0x4567, '9901234567'],
      [0, 0xffffffff, '0bffffffff'],
      [0xffff, 0, '90ffff'],
    ] as const) {
      assert.equal(toHex(fc.encodeHeader(kid, ctr)), header, `kid ${kid} ctr ${ctr}`)
      assert.deepEqual(fc.decodeHeader(hex(header)), { kid, ctr, length: header.length / 2 })
    }
  })

  it('decodeHeader() refuses cut-short, non-minimal and over-large headers', () => {
    assert.equal(fc.decodeHeader(new Uint8Array(0)), null)
    assert.equal(fc.decodeHeader(hex('99012345')), null, 'CTR cut short')
    assert.equal(fc.decodeHeader(hex('8807')), null, 'KID 7 must be in the config byte')
    assert.equal(fc.decodeHeader(hex('090001')), null, 'CTR 1 in two bytes')
    assert.equal(fc.decodeHeader(hex('f0ffffffffffffffff')), null, 'KID beyond 2^53 − 1')
    assert.throws(() => fc.encodeHeader(-1, 0), TypeError)
    assert.throws(() => fc.encodeHeader(0, 2 ** 53), TypeError)
  })

  it('deriveFrameKey() and seal() reproduce the RFC 9605 Appendix C.3 vector for AES_128_GCM_SHA256_128', async () => {
    const key = await fc.deriveFrameKey(hex('000102030405060708090a0b0c0d0e0f'), 0x123)
    assert.equal(toHex(key.salt), '75234edefe07819026751816')
    assert.equal(toHex(fc.nonce(key.salt, 0x4567)), '75234edefe07819026755d71')
    const metadata = hex('4945544620534672616d65205747')
    const plaintext = hex('64726166742d696574662d736672616d652d656e63')
    const sealed = await fc.seal(key, 0x123, 0x4567, metadata, plaintext)
    assert.equal(toHex(sealed), '9901234567b7412c2513a1b66dbb48841bbaf17f598751176ad847681a69c6d0b091c07018ce4adb34eb')
    const opened = await fc.open(sealed, 0, metadata, (kid) => (kid === 0x123 ? key : undefined))
    assert.ok(opened.ok)
    assert.equal(toHex(opened.data), toHex(plaintext))
    // The metadata is authenticated: other metadata, no decryption.
    assert.deepEqual(await fc.open(sealed, 0, new Uint8Array(0), () => key), {
      ok: false,
      reason: 'authentication',
      kid: 0x123,
    })
  })

  it('encryptFrame() leaves the codec prefix readable and decryptFrame() restores the frame; the wrong key, a changed prefix or a flipped bit do not decrypt', async () => {
    const base = crypto.getRandomValues(new Uint8Array(16))
    const key = await fc.deriveFrameKey(base, 513)
    // A VP8 keyframe's first 10 bytes: frame tag, start code 9d 01 2a, 320×240.
    const frame = Uint8Array.from([
      0x50,
      0x42,
      0x00,
      0x9d,
      0x01,
      0x2a,
      0x40,
      0x01,
      0xf0,
      0x00,
      ...new Array(200).fill(7),
    ])
    const prefix = fc.unencryptedBytes('video', true)
    assert.equal(prefix, 10)
    const sealed = await fc.encryptFrame(frame, prefix, key, 513, 42)
    assert.ok(sealed)
    assert.equal(toHex(sealed.subarray(0, 10)), toHex(frame.subarray(0, 10)), 'what Janus reads stays readable')
    assert.equal(sealed.byteLength, frame.byteLength + fc.encodeHeader(513, 42).byteLength + 16)
    assert.ok(!Buffer.from(sealed.subarray(13)).includes(Buffer.from(new Array(16).fill(7))), 'the rest is ciphertext')
    const lookup = (kid: number) => (kid === 513 ? key : undefined)
    const opened = await fc.decryptFrame(sealed, prefix, lookup)
    assert.ok(opened.ok)
    assert.equal(toHex(opened.data), toHex(frame))

    const other = await fc.deriveFrameKey(crypto.getRandomValues(new Uint8Array(16)), 513)
    assert.deepEqual(await fc.decryptFrame(sealed, prefix, () => other), {
      ok: false,
      reason: 'authentication',
      kid: 513,
    })
    const changedPrefix = sealed.slice()
    changedPrefix[8] = 0x01 // another height
    assert.equal((await fc.decryptFrame(changedPrefix, prefix, lookup)).ok, false)
    const flipped = sealed.slice()
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] as number) ^ 1
    assert.equal((await fc.decryptFrame(flipped, prefix, lookup)).ok, false)
    assert.deepEqual(await fc.decryptFrame(sealed, prefix, () => undefined), {
      ok: false,
      reason: 'unknown-key',
      kid: 513,
    })
    // Audio: only the Opus TOC byte stays readable; frames shorter than their prefix are not sent.
    assert.equal(fc.unencryptedBytes('audio', false), 1)
    assert.equal(fc.unencryptedBytes('video', false), 3)
    assert.equal(await fc.encryptFrame(Uint8Array.of(1, 2), 3, key, 1, 0), null)
  })

  it('ratchet() is deterministic for holders of the key and yields another key', async () => {
    const base = hex('000102030405060708090a0b0c0d0e0f')
    const next = await fc.ratchet(base)
    assert.equal(next.byteLength, 16)
    assert.equal(toHex(await fc.ratchet(base)), toHex(next))
    assert.notEqual(toHex(next), toHex(base))
    assert.notEqual(toHex(await fc.ratchet(next)), toHex(next))
  })
})
