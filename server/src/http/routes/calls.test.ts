import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../config/load.ts'
import { createLogger } from '../../logger.ts'
import { checkTurnCredentials } from '../../media/turn/turn-credentials.ts'
import { createInstance } from '../../instance.ts'

const TURN_SECRET = 'route-test-turn-secret'

test('GET /api/v1/calls/ice-servers gives a signed-in user STUN and fresh TURN credentials coturn accepts, and strangers nothing', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-calls-route-'))
  const loaded = loadConfig({
    env: {
      PARLEY_DATA_DIR: dataDir,
      PARLEY_STUN_URLS: 'stun:turn.example.org:3478',
      PARLEY_TURN_URLS: 'turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349',
      PARLEY_TURN_SECRET: TURN_SECRET,
      PARLEY_TURN_CREDENTIAL_TTL_SECONDS: '600',
    },
  })
  assert.ok(loaded.ok)
  const instance = await createInstance(loaded.config, { logger: createLogger('silent') })
  const { app, services } = instance
  try {
    const user = await services.accounts.createUser({ username: 'alice' })
    assert.ok(user.ok)
    const { secret } = await services.accounts.createToken(user.value.id, 'test')
    const reply = await app.inject({
      method: 'GET',
      url: '/api/v1/calls/ice-servers',
      headers: { authorization: `Bearer ${secret}` },
    })
    assert.equal(reply.statusCode, 200)
    assert.equal(reply.headers['cache-control'], 'no-store')
    const body = reply.json() as {
      iceServers: { urls: string[]; username?: string; credential?: string }[]
      expiresAt: string
    }
    assert.deepEqual(body.iceServers[0], { urls: ['stun:turn.example.org:3478'] })
    const turn = body.iceServers[1]
    assert.deepEqual(turn?.urls, ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'])
    const check = checkTurnCredentials(TURN_SECRET, turn?.username ?? '', turn?.credential ?? '')
    assert.ok(check.ok)
    assert.equal(check.value.userId, user.value.id)
    const ttl = (Date.parse(body.expiresAt) - Date.now()) / 1000
    assert.ok(ttl > 590 && ttl <= 600, `credentials live ${ttl} s`)
    const stranger = await app.inject({ method: 'GET', url: '/api/v1/calls/ice-servers' })
    assert.equal(stranger.statusCode, 401)
    assert.equal((stranger.json() as { error: { code: string } }).error.code, 'unauthenticated')
  } finally {
    await instance.close()
    await rm(dataDir, { recursive: true, force: true })
  }
})
