/**
 * The frame format of end-to-end encrypted calls: SFrame (RFC 9605) with cipher suite 0x0004,
 * AES_128_GCM_SHA256_128, applied to whole encoded frames (before RTP packetisation).
 *
 *   frame on the wire = unencrypted prefix ‖ SFrame header (KID, CTR) ‖ AES-GCM(rest of the frame) ‖ tag
 *
 * The prefix is the codec bytes media servers and RTP packetisers read, authenticated as SFrame
 * "metadata" (AAD = header ‖ prefix) so nobody can change them either: the Opus TOC byte of audio
 * frames; for VP8 the 3-byte frame tag (keyframe bit, partition size) and, on keyframes, the start
 * code and the dimensions (10 bytes) — what Janus's keyframe detection and simulcast switching
 * need. Key and salt per KID as RFC 9605 §4.4.2 derives them (tested against its Appendix C
 * vectors); nonce = salt XOR CTR. KID and CTR are limited to 2^53 − 1 (JavaScript numbers): larger
 * values are refused as malformed.
 *
 * Everything is inside one self-contained factory because the same code runs in the encryption
 * worker, whose source is built from `frameCrypto.toString()` (worker-main.ts): it may reference
 * nothing outside itself but WebCrypto and the language's globals.
 */

/** WebCrypto's key and byte types, named so that they resolve alike with the DOM's types and Node's. */
export type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>
export type WebCryptoBytes = Parameters<typeof crypto.subtle.encrypt>[2]

/** The AES-GCM key and nonce salt of one sender's key for one KID. */
export type FrameKey = { key: WebCryptoKey; salt: Uint8Array }

export type DecryptResult =
  | { ok: true; data: Uint8Array; kid: number; ctr: number }
  | { ok: false; reason: 'malformed' | 'unknown-key' | 'authentication'; kid?: number }

export type FrameCrypto = ReturnType<typeof frameCrypto>

export function frameCrypto() {
  const SUITE = 0x0004
  const TAG_BYTES = 16
  const BASE_KEY_BYTES = 16
  const MAX = Number.MAX_SAFE_INTEGER

  function concat(...parts: Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
    let at = 0
    for (const part of parts) {
      out.set(part, at)
      at += part.byteLength
    }
    return out
  }

  /** Big-endian bytes of a non-negative integer: minimal length, or exactly `width` bytes. */
  function bigEndian(value: number, width?: number): Uint8Array {
    if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`not an SFrame integer: ${value}`)
    const bytes: number[] = []
    let rest = value
    while (rest > 0) {
      bytes.unshift(rest % 256)
      rest = Math.floor(rest / 256)
    }
    if (width !== undefined) while (bytes.length < width) bytes.unshift(0)
    return Uint8Array.from(bytes)
  }

  /** RFC 9605 §4.3: X|K|Y|C config byte, then the KID and CTR bytes when they do not fit in 3 bits. */
  function encodeHeader(kid: number, ctr: number): Uint8Array {
    if (!(kid >= 0 && ctr >= 0 && kid <= MAX && ctr <= MAX)) throw new TypeError('KID and CTR must be safe integers')
    const kidBytes = kid < 8 ? new Uint8Array(0) : bigEndian(kid)
    const ctrBytes = ctr < 8 ? new Uint8Array(0) : bigEndian(ctr)
    const first =
      (kid < 8 ? kid << 4 : 0x80 | ((kidBytes.byteLength - 1) << 4)) |
      (ctr < 8 ? ctr : 0x08 | (ctrBytes.byteLength - 1))
    return concat(Uint8Array.of(first), kidBytes, ctrBytes)
  }

  /** The header at `offset`, or null when it is cut short, not minimal, or beyond 2^53 − 1. */
  function decodeHeader(data: Uint8Array, offset = 0): { kid: number; ctr: number; length: number } | null {
    if (data.byteLength <= offset) return null
    const first = data[offset] as number
    let at = offset + 1
    const field = (extended: boolean, bits: number): number | null => {
      if (!extended) return bits
      const length = bits + 1
      if (at + length > data.byteLength) return null
      let value = 0
      for (let i = 0; i < length; i++) value = value * 256 + (data[at + i] as number)
      // Minimal encodings only: no leading zero byte, and values under 8 live in the config byte.
      if (data[at] === 0 || value < 8 || value > MAX) return null
      at += length
      return value
    }
    const kid = field((first & 0x80) !== 0, (first >> 4) & 0x07)
    if (kid === null) return null
    const ctr = field((first & 0x08) !== 0, first & 0x07)
    if (ctr === null) return null
    return { kid, ctr, length: at - offset }
  }

  async function hkdf(base: Uint8Array, info: Uint8Array, bytes: number): Promise<Uint8Array> {
    const material = await crypto.subtle.importKey('raw', base as WebCryptoBytes, 'HKDF', false, ['deriveBits'])
    const bits = await crypto.subtle.deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: info as WebCryptoBytes },
      material,
      bytes * 8,
    )
    return new Uint8Array(bits)
  }

  /** RFC 9605 §4.4.2: sframe_key and sframe_salt of a base key for one KID. */
  async function deriveFrameKey(base: Uint8Array, kid: number): Promise<FrameKey> {
    const suffix = concat(bigEndian(kid, 8), bigEndian(SUITE, 2))
    const text = new TextEncoder()
    const [raw, salt] = await Promise.all([
      hkdf(base, concat(text.encode('SFrame 1.0 Secret key '), suffix), 16),
      hkdf(base, concat(text.encode('SFrame 1.0 Secret salt '), suffix), 12),
    ])
    const key = await crypto.subtle.importKey('raw', raw as WebCryptoBytes, 'AES-GCM', false, ['encrypt', 'decrypt'])
    return { key, salt }
  }

  /** The next key of a sender after someone joined: whoever held the old key can derive it, nobody else. */
  function ratchet(base: Uint8Array): Promise<Uint8Array> {
    return hkdf(base, new TextEncoder().encode('Parley E2EE 1 ratchet'), BASE_KEY_BYTES)
  }

  function nonce(salt: Uint8Array, ctr: number): Uint8Array {
    const counter = bigEndian(ctr, salt.byteLength)
    return salt.map((byte, i) => byte ^ (counter[i] as number))
  }

  /** RFC 9605 §4.4.3: header ‖ AES-GCM(plaintext) with AAD = header ‖ metadata. */
  async function seal(
    key: FrameKey,
    kid: number,
    ctr: number,
    metadata: Uint8Array,
    plaintext: Uint8Array,
  ): Promise<Uint8Array> {
    const header = encodeHeader(kid, ctr)
    const sealed = await crypto.subtle.encrypt(
      {
        name: 'AES-GCM',
        iv: nonce(key.salt, ctr) as WebCryptoBytes,
        additionalData: concat(header, metadata) as WebCryptoBytes,
        tagLength: TAG_BYTES * 8,
      },
      key.key,
      plaintext as WebCryptoBytes,
    )
    return concat(header, new Uint8Array(sealed))
  }

  /** Opens an SFrame ciphertext starting at `offset`; `lookup` finds the key of its KID. */
  async function open(
    data: Uint8Array,
    offset: number,
    metadata: Uint8Array,
    lookup: (kid: number) => FrameKey | undefined,
  ): Promise<DecryptResult> {
    const header = decodeHeader(data, offset)
    if (!header || data.byteLength < offset + header.length + TAG_BYTES) return { ok: false, reason: 'malformed' }
    const key = lookup(header.kid)
    if (!key) return { ok: false, reason: 'unknown-key', kid: header.kid }
    try {
      const opened = await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: nonce(key.salt, header.ctr) as WebCryptoBytes,
          additionalData: concat(data.subarray(offset, offset + header.length), metadata) as WebCryptoBytes,
          tagLength: TAG_BYTES * 8,
        },
        key.key,
        data.subarray(offset + header.length) as WebCryptoBytes,
      )
      return { ok: true, data: new Uint8Array(opened), kid: header.kid, ctr: header.ctr }
    } catch {
      return { ok: false, reason: 'authentication', kid: header.kid }
    }
  }

  /**
   * How many leading bytes of an encoded frame stay readable: the Opus TOC byte; VP8's frame tag,
   * plus start code and dimensions on keyframes. Frames shorter than that are not valid frames
   * of these codecs and are not sent.
   */
  function unencryptedBytes(kind: 'audio' | 'video', keyframe: boolean): number {
    if (kind === 'audio') return 1
    return keyframe ? 10 : 3
  }

  /** prefix ‖ header ‖ ciphertext ‖ tag; null when the frame is shorter than its prefix. */
  async function encryptFrame(
    data: Uint8Array,
    prefixBytes: number,
    key: FrameKey,
    kid: number,
    ctr: number,
  ): Promise<Uint8Array | null> {
    if (data.byteLength < prefixBytes) return null
    const prefix = data.subarray(0, prefixBytes)
    return concat(prefix, await seal(key, kid, ctr, prefix, data.subarray(prefixBytes)))
  }

  async function decryptFrame(
    data: Uint8Array,
    prefixBytes: number,
    lookup: (kid: number) => FrameKey | undefined,
  ): Promise<DecryptResult> {
    if (data.byteLength < prefixBytes) return { ok: false, reason: 'malformed' }
    const prefix = data.subarray(0, prefixBytes)
    const opened = await open(data, prefixBytes, prefix, lookup)
    if (!opened.ok) return opened
    return { ...opened, data: concat(prefix, opened.data) }
  }

  return {
    BASE_KEY_BYTES,
    encodeHeader,
    decodeHeader,
    deriveFrameKey,
    ratchet,
    nonce,
    seal,
    open,
    unencryptedBytes,
    encryptFrame,
    decryptFrame,
  }
}
