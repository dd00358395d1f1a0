/**
 * A push service on loopback, for tests: it holds a browser's side of a subscription (a P-256 key
 * pair and an auth secret, made here as a browser makes them), takes the server's pushes as a push
 * service would, checks the VAPID signature (RFC 8292) and decrypts the payload (RFC 8291,
 * aes128gcm) with the subscription's private key — what a browser does before its service worker
 * sees the message. Written with node:crypto only, independently of the web-push package.
 */
import { createECDH, createDecipheriv, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type ReceivedPush = {
  path: string
  headers: Record<string, string | string[] | undefined>
  /** The decrypted payload (UTF-8). */
  text: string
  /** The VAPID JWT's claims, once its ES256 signature verified with the key in `k=`. */
  claims: { aud: string; exp: number; sub: string }
  /** The `k=` public key (base64url): the instance's VAPID public key. */
  vapidKey: string
}

export class PushReceiver {
  readonly received: ReceivedPush[] = []
  /** Errors found in pushes (bad signature, undecryptable body): a test asserts this stays empty. */
  readonly problems: string[] = []
  /** Status answered to the next pushes (201 as push services do; 410: the subscription is gone). */
  status = 201
  readonly #ecdh: ECDH
  readonly #auth: Buffer
  readonly #server: Server
  #waiters: { count: number; resolve: () => void }[] = []
  #origin = ''

  constructor() {
    this.#ecdh = createECDH('prime256v1')
    this.#ecdh.generateKeys()
    this.#auth = randomBytes(16)
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (c: Buffer) => chunks.push(c))
      request.on('end', () => {
        try {
          const body = Buffer.concat(chunks)
          const { claims, key } = verifyVapid(String(request.headers.authorization ?? ''))
          if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error('content-encoding is not aes128gcm')
          this.received.push({
            path: request.url ?? '',
            headers: request.headers,
            text: this.decrypt(body).toString('utf8'),
            claims,
            vapidKey: key,
          })
        } catch (error) {
          this.problems.push((error as Error).message)
        }
        response.writeHead(this.status).end()
        for (const w of this.#waiters.filter((w) => this.received.length + this.problems.length >= w.count)) w.resolve()
        this.#waiters = this.#waiters.filter((w) => this.received.length + this.problems.length < w.count)
      })
    })
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.#origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  get origin(): string {
    return this.#origin
  }

  /** The browser's PushSubscription.toJSON() for an endpoint of this receiver. */
  subscription(name = 'sub'): { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } } {
    return {
      endpoint: `${this.#origin}/push/${name}`,
      expirationTime: null,
      keys: { p256dh: this.#ecdh.getPublicKey().toString('base64url'), auth: this.#auth.toString('base64url') },
    }
  }

  /** Resolves once `count` pushes in all have arrived (decrypted or not). */
  waitFor(count: number): Promise<void> {
    if (this.received.length + this.problems.length >= count) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ count, resolve }))
  }

  /** RFC 8291 §3.4 and RFC 8188: one aes128gcm record, keys derived with ECDH and HKDF. */
  decrypt(body: Buffer): Buffer {
    const salt = body.subarray(0, 16)
    const recordSize = body.readUInt32BE(16)
    const idLength = body[20] as number
    const senderKey = body.subarray(21, 21 + idLength)
    const record = body.subarray(21 + idLength)
    if (idLength !== 65) throw new Error(`keyid is ${idLength} bytes, not a P-256 point`)
    if (record.length > recordSize) throw new Error('more than one record')
    const shared = this.#ecdh.computeSecret(senderKey)
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), this.#ecdh.getPublicKey(), senderKey])
    const ikm = Buffer.from(hkdfSync('sha256', shared, this.#auth, keyInfo, 32))
    const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16))
    const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12))
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
    decipher.setAuthTag(record.subarray(record.length - 16))
    const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()])
    // The last record ends with the delimiter 0x02, then zero padding.
    let end = padded.length - 1
    while (end >= 0 && padded[end] === 0) end -= 1
    if (padded[end] !== 2) throw new Error('no last-record delimiter')
    return padded.subarray(0, end)
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

/** `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292 §3): the JWT must verify with k. */
function verifyVapid(header: string): { claims: { aud: string; exp: number; sub: string }; key: string } {
  const match = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(header)
  if (!match) throw new Error(`no VAPID authorization: ${header.slice(0, 40)}`)
  const [, jwt, k] = match as unknown as [string, string, string]
  const [head, payload, signature] = jwt.split('.') as [string, string, string]
  const alg = (JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string }).alg
  if (alg !== 'ES256') throw new Error(`JWT alg ${alg}`)
  const point = Buffer.from(k, 'base64url')
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  })
  const signed = verify(
    'sha256',
    Buffer.from(`${head}.${payload}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  )
  if (!signed) throw new Error('VAPID JWT signature does not verify')
  return { claims: JSON.parse(Buffer.from(payload, 'base64url').toString()) as ReceivedPush['claims'], key: k }
}
