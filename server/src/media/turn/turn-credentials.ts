/**
 * TURN REST API credentials (draft-uberti-behave-turn-rest, coturn `use-auth-secret`): the username
 * is `expiry:userId` (expiry in Unix seconds), the password the base64 HMAC-SHA1 of the username
 * under the secret shared with coturn (`static-auth-secret`). coturn recomputes the HMAC and refuses
 * usernames whose expiry has passed, so no TURN password is ever stored or long-lived.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IceServer, IceServers } from '@parley/protocol'

export type TurnCredentials = { username: string; credential: string; expiresAt: Date }

export type TurnCredentialOptions = {
  secret: string
  userId: string
  ttlSeconds: number
  /** Milliseconds since the epoch; tests pass a fixed clock. */
  now?: number
}

export function createTurnCredentials({
  secret,
  userId,
  ttlSeconds,
  now = Date.now(),
}: TurnCredentialOptions): TurnCredentials {
  if (!secret) throw new TypeError('TURN secret is empty')
  if (!userId || /[\s:]/.test(userId)) throw new TypeError('userId must be non-empty without ":" or whitespace')
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new TypeError('ttlSeconds must be a positive integer')
  const expiry = Math.floor(now / 1000) + ttlSeconds
  const username = `${expiry}:${userId}`
  return { username, credential: turnPassword(secret, username), expiresAt: new Date(expiry * 1000) }
}

export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64')
}

export type TurnCheck =
  | { ok: true; value: { userId: string; expiresAt: Date } }
  | { ok: false; error: { type: 'malformed' } | { type: 'bad-credential' } | { type: 'expired'; expiresAt: Date } }

/** What coturn does with a REST API username and password; Parley uses it in tests and diagnostics. */
export function checkTurnCredentials(
  secret: string,
  username: string,
  credential: string,
  now = Date.now(),
): TurnCheck {
  const match = /^(\d+):(.+)$/.exec(username)
  if (!match) return { ok: false, error: { type: 'malformed' } }
  const expected = Buffer.from(turnPassword(secret, username))
  const given = Buffer.from(credential)
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, error: { type: 'bad-credential' } }
  const expiresAt = new Date(Number(match[1]) * 1000)
  if (expiresAt.getTime() <= now) return { ok: false, error: { type: 'expired', expiresAt } }
  return { ok: true, value: { userId: match[2] ?? '', expiresAt } }
}

export type IceServerOptions = {
  stunUrls: readonly string[]
  turnUrls: readonly string[]
  turnSecret: string
  ttlSeconds: number
}

/** The RTCConfiguration.iceServers one session gets: STUN as configured, TURN with fresh credentials. */
export function iceServersFor(options: IceServerOptions, userId: string, now = Date.now()): IceServers {
  const iceServers: IceServer[] = []
  if (options.stunUrls.length > 0) iceServers.push({ urls: [...options.stunUrls] })
  if (options.turnUrls.length === 0) return { iceServers, expiresAt: null }
  const turn = createTurnCredentials({ secret: options.turnSecret, userId, ttlSeconds: options.ttlSeconds, now })
  iceServers.push({ urls: [...options.turnUrls], username: turn.username, credential: turn.credential })
  return { iceServers, expiresAt: turn.expiresAt.toISOString() }
}
