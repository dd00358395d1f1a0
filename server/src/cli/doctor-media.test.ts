import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../config/load.ts'
import type { Config } from '../config/schema.ts'
import { freePort } from '../media/process/supervised-process.ts'
import { JanusSupervisor } from '../media/janus/janus-supervisor.ts'
import { createLogger } from '../logger.ts'
import { mediaChecks } from './doctor-media.ts'

function config(env: Record<string, string>): Config {
  const loaded = loadConfig({ env })
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems))
  return loaded.config
}

test('mediaChecks() accepts a mesh setup and warns that no TURN server is configured', async () => {
  const checks = await mediaChecks(config({}))
  assert.deepEqual(
    checks.map((c) => c.status),
    ['ok', 'warn'],
  )
  assert.match(checks[1]?.text ?? '', /no TURN server configured/)
})

test('mediaChecks() says which STUN/TURN server answers and which does not', async () => {
  const stun = createSocket('udp4')
  stun.on('message', (message, peer) => {
    const reply = Buffer.from(message)
    reply.writeUInt16BE(0x0101, 0)
    stun.send(reply, peer.port, peer.address)
  })
  await new Promise<void>((resolve) => stun.bind(0, '127.0.0.1', resolve))
  const dead = await freePort()
  try {
    const checks = await mediaChecks(
      config({
        PARLEY_STUN_URLS: `stun:127.0.0.1:${stun.address().port}`,
        PARLEY_TURN_URLS: `turn:127.0.0.1:${stun.address().port}?transport=udp,turn:127.0.0.1:${dead}?transport=tcp`,
        PARLEY_TURN_SECRET: 'a-long-enough-turn-secret',
      }),
      { timeoutMs: 300 },
    )
    assert.deepEqual(
      checks.map((c) => c.status),
      ['ok', 'ok', 'ok', 'fail'],
    )
    assert.match(checks[1]?.text ?? '', /^stun:127\.0\.0\.1:\d+ answers \(STUN Binding\)/)
    assert.match(checks[3]?.text ?? '', /does not answer/)
  } finally {
    stun.close()
  }
})

test('mediaChecks() fails for an external Janus that does not answer (needs nothing)', async () => {
  const port = await freePort()
  const checks = await mediaChecks(config({ PARLEY_MEDIA_ENGINE: 'janus', PARLEY_JANUS_URL: `ws://127.0.0.1:${port}` }))
  assert.equal(checks[0]?.status, 'fail')
  assert.match(checks[0]?.text ?? '', /Janus at ws:\/\/127\.0\.0\.1:\d+ does not work: engine-unavailable/)
})

test('mediaChecks() starts the supervised Janus briefly and finds its VideoRoom working (needs Janus)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-doctor-'))
  try {
    const checks = await mediaChecks(
      config({ PARLEY_MEDIA_ENGINE: 'janus', PARLEY_JANUS_ICE_INTERFACES: 'lo', PARLEY_DATA_DIR: dataDir }),
    )
    assert.equal(checks[0]?.status, 'ok', checks[0]?.text)
    assert.match(
      checks[0]?.text ?? '',
      /supervised Janus \(\/usr\/bin\/janus\) answers and its VideoRoom creates rooms/,
    )
    const missing = await mediaChecks(
      config({
        PARLEY_MEDIA_ENGINE: 'janus',
        PARLEY_JANUS_ICE_INTERFACES: 'lo',
        PARLEY_JANUS_BINARY: '/nonexistent/janus',
      }),
    )
    assert.equal(missing[0]?.status, 'fail')
    assert.match(missing[0]?.text ?? '', /install the Debian package "janus"/)
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
})

test('loadConfig() requires explicit ICE interfaces for the supervised Janus and a TURN secret with TURN URLs', () => {
  const loaded = loadConfig({
    env: {
      PARLEY_MEDIA_ENGINE: 'janus',
      PARLEY_TURN_URLS: 'turn:t.example.org',
      PARLEY_JANUS_RTP_PORT_RANGE: '30000-20000',
    },
  })
  assert.equal(loaded.ok, false)
  assert.deepEqual(!loaded.ok && loaded.problems.map((p) => p.option).sort(), [
    'janusIceInterfaces',
    'janusRtpPortRange',
    'turnSecret',
  ])
  const badUrl = loadConfig({
    env: { PARLEY_TURN_URLS: 'http://t.example.org', PARLEY_TURN_SECRET: 'a-long-enough-turn-secret' },
  })
  assert.equal(badUrl.ok, false)
  const external = loadConfig({ env: { PARLEY_MEDIA_ENGINE: 'janus', PARLEY_JANUS_URL: 'ws://janus.internal:8188' } })
  assert.ok(external.ok)
  assert.ok(Object.isFrozen(external.config.janusIceInterfaces))
})

test('mediaChecks() finds an external Janus working with the right api secret and admin key, and names a wrong admin key (needs Janus)', async () => {
  const scratch = await mkdtemp(join(tmpdir(), 'parley-doctor-external-'))
  const supervisor = new JanusSupervisor({
    binary: '/usr/bin/janus',
    configDir: join(scratch, 'janus'),
    port: 0,
    rtpPortRange: '21300-21399',
    iceInterfaces: ['lo'],
    logger: createLogger('silent'),
  })
  try {
    const started = await supervisor.start()
    assert.ok(started.ok)
    const { url, apiSecret, adminKey } = started.value.endpoint
    const good = await mediaChecks(
      config({
        PARLEY_MEDIA_ENGINE: 'janus',
        PARLEY_JANUS_URL: url,
        PARLEY_JANUS_API_SECRET: apiSecret,
        PARLEY_JANUS_ADMIN_KEY: adminKey,
      }),
    )
    assert.equal(good[0]?.status, 'ok', good[0]?.text)
    assert.equal(good[0]?.text, `Janus at ${url} answers and its VideoRoom creates rooms`)
    const wrongKey = await mediaChecks(
      config({
        PARLEY_MEDIA_ENGINE: 'janus',
        PARLEY_JANUS_URL: url,
        PARLEY_JANUS_API_SECRET: apiSecret,
        PARLEY_JANUS_ADMIN_KEY: 'wrong',
      }),
    )
    assert.equal(wrongKey[0]?.status, 'fail')
    assert.match(wrongKey[0]?.text ?? '', /refuses to create a VideoRoom room .*check PARLEY_JANUS_ADMIN_KEY/)
    const wrongSecret = await mediaChecks(
      config({
        PARLEY_MEDIA_ENGINE: 'janus',
        PARLEY_JANUS_URL: url,
        PARLEY_JANUS_API_SECRET: 'wrong',
        PARLEY_JANUS_ADMIN_KEY: adminKey,
      }),
    )
    assert.equal(wrongSecret[0]?.status, 'fail')
    assert.match(wrongSecret[0]?.text ?? '', /Unauthorized request/)
  } finally {
    await supervisor.close()
    await rm(scratch, { recursive: true, force: true })
  }
})
