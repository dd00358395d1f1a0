/**
 * A hostile Fediverse server for security tests, on HTTPS at 127.0.0.1: it serves whatever
 * documents a test gives it (any content type, any key document), counts the requests each path
 * gets, and signs and POSTs activities the way an attacker would choose (draft-cavage, with any
 * keyId, algorithm label, Digest or Date), or signs a call channel upgrade (RFC 9421, with any
 * components, label or Content-Digest). Its RSA key is real; so are its signatures.
 * `node hostile-peer.ts child` with `{ ca, pages }` as JSON on stdin runs it in a child process (see startHostileChild),
 * for tests that must not share the event loop with the instance under test.
 */
import { createServer, type Server } from 'node:https'
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { localCa, trustLocalCa, useLocalCa, type LocalCa } from './local-ca.ts'

export type Page = { status?: number; type?: string | null; headers?: Record<string, string>; body: string }

export type SignedPost = {
  keyId: string
  privateKey?: KeyObject
  /** The `algorithm` label (rsa-sha256 unless given; null: none). */
  algorithm?: string | null
  date?: Date
  /** The Digest header as sent (the body's SHA-256 unless given; null: none). */
  digest?: string | null
  /** Covered headers (Mastodon's set unless given). */
  headers?: readonly string[]
}

export type SignedUpgrade = {
  keyId: string
  /** The `alg` parameter (rsa-v1_5-sha256 unless given; null: none). */
  algorithm?: string | null
  /** Covered components (what Fedify's signRequest covers for a GET unless given). */
  components?: readonly string[]
  /** A Content-Digest header, sent and covered. */
  contentDigest?: string
  /** When it claims to be signed (now unless given): `created` and Date. */
  at?: Date
}

export type HostilePeer = {
  origin: string
  host: string
  publicKeyPem: string
  privateKey: KeyObject
  /** Serves `page` at `path` from now on. */
  serve(path: string, page: Page): void
  /** Serves an ActivityPub document (application/activity+json) at `path`. */
  serveJson(path: string, document: unknown): void
  /** Requests `path` got so far (only signed or only unsigned ones, if told). */
  hits(path: string, filter?: { signed: boolean }): number
  /** Signs `body` as told and POSTs it to `inbox`. */
  post(inbox: string, body: unknown, options: SignedPost): Promise<{ status: number; json: unknown }>
  /** The headers of a GET to `url` (a WebSocket upgrade) signed as told with RFC 9421 and a fresh nonce. */
  signUpgrade(url: string, options: SignedUpgrade): Record<string, string>
  close(): Promise<void>
}

export async function startHostilePeer(pages: Record<string, Page> = {}): Promise<HostilePeer> {
  const ca = localCa()
  trustLocalCa(ca)
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const routes = new Map<string, Page>(Object.entries(pages))
  const hits = new Map<string, number>()
  const unsignedHits = new Map<string, number>()
  const server: Server = createServer({ key: ca.keyPem, cert: ca.certPem }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/'
    hits.set(path, (hits.get(path) ?? 0) + 1)
    if (req.headers.signature === undefined && req.headers['signature-input'] === undefined)
      unsignedHits.set(path, (unsignedHits.get(path) ?? 0) + 1)
    const page = routes.get(path)
    if (!page) return void res.writeHead(404).end()
    const headers: Record<string, string> = { ...page.headers }
    const type = page.type === undefined ? 'application/activity+json' : page.type
    if (type !== null) headers['content-type'] = type
    res.writeHead(page.status ?? 200, headers).end(page.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    host: new URL(origin).host,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey,
    serve: (path, page) => void routes.set(path, page),
    serveJson: (path, document) => void routes.set(path, { body: JSON.stringify(document) }),
    hits: (path, filter) => {
      const all = hits.get(path) ?? 0
      if (filter === undefined) return all
      const unsigned = unsignedHits.get(path) ?? 0
      return filter.signed ? all - unsigned : unsigned
    },
    async post(inbox, body, options) {
      const target = new URL(inbox)
      const text = typeof body === 'string' ? body : JSON.stringify(body)
      const date = (options.date ?? new Date()).toUTCString()
      const digest =
        options.digest === undefined ? `SHA-256=${createHash('sha256').update(text).digest('base64')}` : options.digest
      const contentType = 'application/activity+json'
      const values: Record<string, string> = {
        '(request-target)': `post ${target.pathname}`,
        host: target.host,
        date,
        digest: digest ?? '',
        'content-type': contentType,
      }
      const covered = options.headers ?? ['(request-target)', 'host', 'date', 'digest', 'content-type']
      const signed = covered.map((name) => `${name}: ${values[name]}`).join('\n')
      const signature = sign('sha256', Buffer.from(signed), options.privateKey ?? privateKey).toString('base64')
      const algorithm = options.algorithm === undefined ? 'rsa-sha256' : options.algorithm
      const headers: Record<string, string> = {
        date,
        'content-type': contentType,
        signature: [
          `keyId="${options.keyId}"`,
          ...(algorithm === null ? [] : [`algorithm="${algorithm}"`]),
          `headers="${covered.join(' ')}"`,
          `signature="${signature}"`,
        ].join(','),
      }
      if (digest !== null) headers.digest = digest
      const res = await fetch(target, { method: 'POST', headers, body: text })
      const answer = await res.text()
      let json: unknown = null
      try {
        json = JSON.parse(answer)
      } catch {
        json = answer
      }
      return { status: res.status, json }
    },
    signUpgrade(url, options) {
      const target = new URL(url)
      const at = options.at ?? new Date()
      const date = at.toUTCString()
      const digest = options.contentDigest
      const values: Record<string, string> = {
        '@method': 'GET',
        '@target-uri': target.href,
        '@authority': target.host,
        '@path': target.pathname,
        host: target.host,
        date,
        'content-digest': digest ?? '',
      }
      const components = options.components ?? [
        '@method',
        '@target-uri',
        '@authority',
        'host',
        'date',
        ...(digest === undefined ? [] : ['content-digest']),
      ]
      const algorithm = options.algorithm === undefined ? 'rsa-v1_5-sha256' : options.algorithm
      // Parameters in the order a structured-field decoder keeps them: the verifier re-encodes them for the base.
      const params = [
        ...(algorithm === null ? [] : [`alg="${algorithm}"`]),
        `keyid="${options.keyId}"`,
        `created=${Math.floor(at.getTime() / 1000)}`,
        `nonce="${randomUUID()}"`,
      ].join(';')
      const list = `(${components.map((c) => `"${c}"`).join(' ')})`
      const base = [...components.map((c) => `"${c}": ${values[c]}`), `"@signature-params": ${list};${params}`]
      const signature = sign('sha256', Buffer.from(base.join('\n')), privateKey).toString('base64')
      return {
        host: target.host,
        date,
        ...(digest === undefined ? {} : { 'content-digest': digest }),
        'signature-input': `sig1=${list};${params}`,
        signature: `sig1=:${signature}:`,
      }
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A page server in a child process: its own event loop, so a blocked instance cannot slow it. */
export async function startHostileChild(
  pages: Record<string, Page>,
): Promise<{ origin: string; close(): Promise<void> }> {
  const ca = localCa()
  trustLocalCa(ca)
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', new URL(import.meta.url).pathname, 'child'],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  child.stdin!.end(JSON.stringify({ ca, pages }))
  const origin = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`hostile peer exited (${code})`)))
  })
  return {
    origin,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname && process.argv[2] === 'child') {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  const { ca, pages } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    ca: LocalCa
    pages: Record<string, Page>
  }
  useLocalCa(ca)
  const peer = await startHostilePeer(pages)
  process.stdout.write(`${peer.origin}\n`)
  process.once('SIGTERM', () => void peer.close().then(() => process.exit(0)))
}
