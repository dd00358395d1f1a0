/**
 * A stand-in for a Mastodon (or Misskey, see PeerFlavour) server, on HTTPS at 127.0.0.1: it serves the fixture actor (with a real
 * RSA-2048 key) and its WebFinger answer, records what is delivered to its inboxes — checking
 * draft-cavage signatures the way Mastodon does and refusing RFC 9421-only ones with 401, as
 * Mastodon versions without RFC 9421 support do — and delivers fixture activities signed as
 * Mastodon signs them: rsa-sha256 over `(request-target) host date digest content-type`.
 */
import { createServer, type Server } from 'node:https'
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { localCa, trustLocalCa } from './local-ca.ts'

/** Which server the stand-in imitates: its fixtures, its account's path and how it signs. */
export type PeerFlavour = {
  fixtures: string
  username: string
  actorPath: string
  signedHeaders: readonly string[]
}

export const MASTODON: PeerFlavour = {
  fixtures: 'mastodon',
  username: 'alice',
  actorPath: '/users/alice',
  signedHeaders: ['(request-target)', 'host', 'date', 'digest', 'content-type'],
}

/** Misskey: opaque user ids in actor URLs, and it signs `(request-target) date host digest`. */
export const MISSKEY: PeerFlavour = {
  fixtures: 'misskey',
  username: 'carol',
  actorPath: '/users/9ix2k7rd0001',
  signedHeaders: ['(request-target)', 'date', 'host', 'digest'],
}

export type Delivery = {
  path: string
  headers: Record<string, string>
  body: string
  json: Record<string, unknown>
  signatureVerified: boolean
}

export type SignOptions = {
  /** Sign with this key instead of alice's (a key the actor does not own). */
  privateKey?: KeyObject
  keyId?: string
  date?: Date
  /** Body sent, when it should differ from the one signed and digested. */
  sendBody?: string
  /** Corrupt the signature bytes. */
  breakSignature?: boolean
  unsigned?: boolean
}

export type FakeMastodon = {
  origin: string
  host: string
  actorId: string
  deliveries: Delivery[]
  /** From now on alice's actor (and key) answer 410 Gone, as after an account deletion. */
  deleteAccount(): void
  /** Serves `body` at `path` (a media file, as Mastodon's media server would); answers its URL. */
  serveMedia(path: string, body: Uint8Array, type: string): string
  /**
   * A media path that answers 404 only after `delayMs`: a media server that is slow and then has
   * nothing. Parley then posts the note's text alone, after waiting that long; answers its URL.
   */
  slowMissingMedia(path: string, delayMs: number): string
  /** How many times each media path was fetched. */
  mediaFetches: Map<string, number>
  /** Reads a fixture, filling in placeholders (values are JSON-escaped). */
  fixture(name: string, vars: Record<string, string>): string
  /** Signs and POSTs `body` to `inbox` like Mastodon; returns status and the exact request sent. */
  deliver(
    inbox: string,
    body: string,
    options?: SignOptions,
  ): Promise<{ status: number; replay: () => Promise<number> }>
  /** Signs now, sends when the returned function is called (for benchmarks). */
  prepare(inbox: string, body: string, options?: SignOptions): () => Promise<number>
  close(): Promise<void>
}

export function fillFixture(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const value = vars[name]
    if (value === undefined) throw new Error(`fixture placeholder {{${name}}} has no value`)
    return JSON.stringify(value).slice(1, -1)
  })
}

export async function startFakeMastodon(flavour: PeerFlavour = MASTODON): Promise<FakeMastodon> {
  const fixtures = new URL(`../fixtures/${flavour.fixtures}/`, import.meta.url)
  const ca = localCa()
  trustLocalCa(ca)
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const deliveries: Delivery[] = []
  /** Keys of actors seen, by key id (see verifyCavage). */
  const knownKeys = new Map<string, KnownKey>()
  let gone = false
  const media = new Map<string, { body: Uint8Array; type: string }>()
  const mediaFetches = new Map<string, number>()
  const slowMissing = new Map<string, number>()
  let origin = ''
  let host = ''
  const fixture = (name: string, vars: Record<string, string>) =>
    fillFixture(readFileSync(new URL(name, fixtures), 'utf8'), {
      MASTODON: origin,
      MASTODON_HOST: host,
      PEER: origin,
      PEER_HOST: host,
      ...vars,
    })

  const server: Server = createServer({ key: ca.keyPem, cert: ca.certPem }, (req, res) => {
    const url = new URL(req.url ?? '/', origin)
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8')
        if (req.method === 'GET' && url.pathname === '/.well-known/webfinger') {
          if (url.searchParams.get('resource') !== `acct:${flavour.username}@${host}`)
            return void res.writeHead(404).end()
          res
            .writeHead(200, { 'content-type': 'application/jrd+json; charset=utf-8' })
            .end(fixture('webfinger.json', {}))
          return
        }
        const delay = req.method === 'GET' ? slowMissing.get(url.pathname) : undefined
        if (delay !== undefined) {
          mediaFetches.set(url.pathname, (mediaFetches.get(url.pathname) ?? 0) + 1)
          setTimeout(() => res.writeHead(404).end(), delay)
          return
        }
        const file = req.method === 'GET' ? media.get(url.pathname) : undefined
        if (file) {
          mediaFetches.set(url.pathname, (mediaFetches.get(url.pathname) ?? 0) + 1)
          res.writeHead(200, { 'content-type': file.type, 'content-length': String(file.body.length) }).end(file.body)
          return
        }
        if (req.method === 'GET' && url.pathname === '/actor') {
          res
            .writeHead(200, { 'content-type': 'application/activity+json; charset=utf-8' })
            .end(fixture('instance-actor.json', { PUBLIC_KEY_PEM: publicPem }))
          return
        }
        if (req.method === 'GET' && url.pathname === flavour.actorPath && gone) return void res.writeHead(410).end()
        if (req.method === 'GET' && url.pathname === flavour.actorPath) {
          res
            .writeHead(200, { 'content-type': 'application/activity+json; charset=utf-8' })
            .end(fixture('actor.json', { PUBLIC_KEY_PEM: publicPem }))
          return
        }
        if (req.method === 'POST' && (url.pathname === `${flavour.actorPath}/inbox` || url.pathname === '/inbox')) {
          const headers = Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
          )
          const verified = await verifyCavage(req.method, url.pathname + url.search, headers, body, knownKeys)
          if (!verified) return void res.writeHead(401).end('signature not verified')
          deliveries.push({
            path: url.pathname,
            headers,
            body,
            json: JSON.parse(body) as Record<string, unknown>,
            signatureVerified: true,
          })
          res.writeHead(202).end()
          return
        }
        res.writeHead(404).end()
      })().catch(() => res.writeHead(500).end())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  origin = `https://127.0.0.1:${port}`
  host = `127.0.0.1:${port}`
  const actorId = `${origin}${flavour.actorPath}`

  function prepare(inbox: string, body: string, options: SignOptions = {}) {
    const target = new URL(inbox)
    const date = (options.date ?? new Date()).toUTCString()
    const digest = `SHA-256=${createHash('sha256').update(body).digest('base64')}`
    const contentType = 'application/activity+json'
    const headers: Record<string, string> = { date, digest, 'content-type': contentType }
    if (!options.unsigned) {
      const values: Record<string, string> = {
        '(request-target)': `post ${target.pathname}`,
        host: target.host,
        date,
        digest,
        'content-type': contentType,
      }
      const signed = flavour.signedHeaders.map((name) => `${name}: ${values[name]}`).join('\n')
      const bytes = sign('sha256', Buffer.from(signed), options.privateKey ?? privateKey)
      if (options.breakSignature) bytes[10] = (bytes[10] ?? 0) ^ 0xff
      const keyId = options.keyId ?? `${actorId}#main-key`
      headers.signature = `keyId="${keyId}",algorithm="rsa-sha256",headers="${flavour.signedHeaders.join(' ')}",signature="${bytes.toString('base64')}"`
    }
    return async () => (await fetch(target, { method: 'POST', headers, body: options.sendBody ?? body })).status
  }

  async function deliver(inbox: string, body: string, options: SignOptions = {}) {
    const send = prepare(inbox, body, options)
    return { status: await send(), replay: send }
  }

  return {
    origin,
    host,
    actorId,
    deliveries,
    deleteAccount: () => void (gone = true),
    serveMedia(path, body, type) {
      media.set(path, { body, type })
      return `${origin}${path}`
    },
    slowMissingMedia(path, delayMs) {
      slowMissing.set(path, delayMs)
      return `${origin}${path}`
    },
    mediaFetches,
    fixture: (name, vars) => fixture(name, { ID: randomUUID(), NOW: new Date().toISOString(), ...vars }),
    deliver,
    prepare,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

type KnownKey = { owner: string; publicKeyPem: string }

/**
 * Mastodon's check of an inbound delivery: draft-cavage signature by the key's owner, digest
 * matching. Like Mastodon, it keeps the keys of actors it has seen (so an actor deleted since, whose
 * document is gone, can still sign its own Delete) and fetches a key again when the kept one fails.
 */
async function verifyCavage(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string,
  knownKeys: Map<string, KnownKey>,
): Promise<boolean> {
  const header = headers.signature
  if (!header || !header.includes('keyId=')) return false
  const params: Record<string, string> = Object.fromEntries(
    [...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
  )
  const names: string[] = (params.headers ?? 'date').split(' ')
  if (!params.keyId || !params.signature || !names.includes('digest')) return false
  if (headers.digest !== `SHA-256=${createHash('sha256').update(body).digest('base64')}`) return false
  const signed = names
    .map((name) =>
      name === '(request-target)'
        ? `(request-target): ${method.toLowerCase()} ${path}`
        : `${name}: ${headers[name] ?? ''}`,
    )
    .join('\n')
  const check = (key: KnownKey) =>
    verify(
      'sha256',
      Buffer.from(signed),
      createPublicKey(key.publicKeyPem),
      Buffer.from(params.signature ?? '', 'base64'),
    )
  const kept = knownKeys.get(params.keyId)
  if (kept && check(kept)) return true
  const res = await fetch(params.keyId, { headers: { accept: 'application/activity+json' } })
  if (!res.ok) return false
  const actor = (await res.json()) as {
    id: string
    publicKey:
      { id: string; owner: string; publicKeyPem: string } | { id: string; owner: string; publicKeyPem: string }[]
  }
  const key = [actor.publicKey].flat().find((k) => k.id === params.keyId)
  if (!key || key.owner !== actor.id || !check(key)) return false
  knownKeys.set(params.keyId, { owner: key.owner, publicKeyPem: key.publicKeyPem })
  return true
}
