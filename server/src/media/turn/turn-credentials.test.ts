import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkTurnCredentials, createTurnCredentials, iceServersFor } from './turn-credentials.ts'

const secret = 'north-wind-secret-42'
const now = 1_700_000_000_000

test('createTurnCredentials() builds "expiry:userId" and the HMAC-SHA1 coturn expects', () => {
  const turn = createTurnCredentials({ secret, userId: 'alice', ttlSeconds: 3600, now })
  assert.equal(turn.username, '1700003600:alice')
  // printf '1700003600:alice' | openssl dgst -sha1 -hmac 'north-wind-secret-42' -binary | base64
  assert.equal(turn.credential, 'iipwA6XnhLS6wOXYZ7hwX18aSuc=')
  assert.equal(turn.expiresAt.toISOString(), '2023-11-14T23:13:20.000Z')
})

test('createTurnCredentials() refuses an empty secret, a userId with ":" and a bad ttl', () => {
  assert.throws(() => createTurnCredentials({ secret: '', userId: 'alice', ttlSeconds: 60 }), TypeError)
  assert.throws(() => createTurnCredentials({ secret, userId: 'a:b', ttlSeconds: 60 }), TypeError)
  assert.throws(() => createTurnCredentials({ secret, userId: '', ttlSeconds: 60 }), TypeError)
  assert.throws(() => createTurnCredentials({ secret, userId: 'alice', ttlSeconds: 0 }), TypeError)
})

test('checkTurnCredentials() accepts fresh credentials and names what is wrong with others', () => {
  const turn = createTurnCredentials({ secret, userId: 'alice', ttlSeconds: 60, now })
  assert.deepEqual(checkTurnCredentials(secret, turn.username, turn.credential, now), {
    ok: true,
    value: { userId: 'alice', expiresAt: turn.expiresAt },
  })
  const expired = checkTurnCredentials(secret, turn.username, turn.credential, now + 61_000)
  assert.equal(expired.ok, false)
  assert.equal(!expired.ok && expired.error.type, 'expired')
  const forged = checkTurnCredentials(secret, turn.username.replace('alice', 'mallory'), turn.credential, now)
  assert.equal(!forged.ok && forged.error.type, 'bad-credential')
  const wrongSecret = checkTurnCredentials('another-secret-entirely', turn.username, turn.credential, now)
  assert.equal(!wrongSecret.ok && wrongSecret.error.type, 'bad-credential')
  assert.equal(checkTurnCredentials(secret, 'alice', turn.credential, now).ok, false)
})

test('iceServersFor() gives STUN without and TURN with credentials, and no TURN when none is configured', () => {
  const both = iceServersFor(
    {
      stunUrls: ['stun:turn.example.org:3478'],
      turnUrls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'],
      turnSecret: secret,
      ttlSeconds: 3600,
    },
    'alice',
    now,
  )
  assert.deepEqual(both.iceServers[0], { urls: ['stun:turn.example.org:3478'] })
  assert.deepEqual(both.iceServers[1]?.urls, [
    'turn:turn.example.org:3478?transport=udp',
    'turns:turn.example.org:5349',
  ])
  assert.equal(both.iceServers[1]?.username, '1700003600:alice')
  assert.equal(both.expiresAt, '2023-11-14T23:13:20.000Z')
  const stunOnly = iceServersFor(
    { stunUrls: ['stun:s.example.org'], turnUrls: [], turnSecret: '', ttlSeconds: 3600 },
    'alice',
    now,
  )
  assert.deepEqual(stunOnly, { iceServers: [{ urls: ['stun:s.example.org'] }], expiresAt: null })
})
