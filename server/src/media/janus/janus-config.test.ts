import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readlink, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { janusConfigFiles, writeJanusConfig, type JanusConfigOptions } from './janus-config.ts'

const options: JanusConfigOptions = {
  port: 18188,
  apiSecret: 'api-secret-1',
  adminKey: 'admin-key-1',
  adminSecret: 'admin-secret-1',
  rtpPortRange: '20000-20099',
  iceInterfaces: ['parley0', '10.1.2.3'],
  libDir: '/usr/lib/x86_64-linux-gnu/janus',
}

test('janusConfigFiles() binds the API to 127.0.0.1, sets the secrets, ports and ICE interfaces, and no admin API', () => {
  const files = janusConfigFiles('/srv/parley/janus', options)
  assert.deepEqual(Object.keys(files).sort(), [
    'janus.jcfg',
    'janus.plugin.videoroom.jcfg',
    'janus.transport.websockets.jcfg',
  ])
  const core = files['janus.jcfg'] ?? ''
  assert.match(core, /configs_folder = "\/srv\/parley\/janus"/)
  assert.match(core, /plugins_folder = "\/srv\/parley\/janus\/plugins"/)
  assert.match(core, /api_secret = "api-secret-1"/)
  assert.match(core, /rtp_port_range = "20000-20099"/)
  assert.match(core, /ice_enforce_list = "parley0,10\.1\.2\.3"/)
  assert.doesNotMatch(core, /\/etc\/janus/)
  assert.match(files['janus.plugin.videoroom.jcfg'] ?? '', /admin_key = "admin-key-1"/)
  assert.doesNotMatch(files['janus.plugin.videoroom.jcfg'] ?? '', /room-/)
  const ws = files['janus.transport.websockets.jcfg'] ?? ''
  assert.match(ws, /ws_ip = "127\.0\.0\.1"/)
  assert.match(ws, /ws_port = 18188/)
  assert.match(ws, /admin_ws = false/)
})

test('janusConfigFiles() refuses values that could break out of a string and an empty ICE list', () => {
  assert.throws(() => janusConfigFiles('/x', { ...options, apiSecret: 'a"b' }), TypeError)
  assert.throws(() => janusConfigFiles('/x', { ...options, iceInterfaces: ['eth0\n}'] }), TypeError)
  assert.throws(() => janusConfigFiles('/x', { ...options, iceInterfaces: [] }), /every interface/)
})

test('writeJanusConfig() makes a private folder linking only the VideoRoom plugin and the WebSocket transport', async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'parley-janus-config-')), 'janus')
  try {
    const file = await writeJanusConfig(dir, options)
    assert.equal(file, join(dir, 'janus.jcfg'))
    assert.equal((await stat(dir)).mode & 0o777, 0o700)
    assert.equal((await stat(file)).mode & 0o777, 0o600)
    assert.deepEqual(await readdir(join(dir, 'plugins')), ['libjanus_videoroom.so'])
    assert.deepEqual(await readdir(join(dir, 'transports')), ['libjanus_websockets.so'])
    assert.deepEqual(await readdir(join(dir, 'events')), [])
    assert.equal(
      await readlink(join(dir, 'plugins', 'libjanus_videoroom.so')),
      join(options.libDir, 'plugins', 'libjanus_videoroom.so'),
    )
  } finally {
    await rm(join(dir, '..'), { recursive: true, force: true })
  }
})
