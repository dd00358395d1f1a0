/**
 * The server side of the call benchmark, in its own process so its CPU is Parley's alone (the
 * bench process drives Chromium): a real Parley instance (SQLite in a temp folder, realtime
 * gateway, call service) on a JanusEngine connected to the Janus the bench supervises. Talks over
 * IPC: {ready, port, tokens, roomId, e2eeRoomId}, then answers 'stats' with its CPU since 'reset'.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInstance, createLogger, loadConfig, SqliteStore } from '@parley/server'
import { JanusEngine } from '@parley/server/media'

const endpoint = JSON.parse(process.argv[2] ?? '{}') as { url: string; apiSecret: string; adminKey: string }
const people = Number(process.argv[3] ?? '12')
const send = (message: unknown) => process.send?.(message)
let startCpu = process.cpuUsage()

const dir = mkdtempSync(join(tmpdir(), 'parley-call-bench-'))
const loaded = loadConfig({
  env: {
    PARLEY_DATA_DIR: dir,
    PARLEY_LOG_LEVEL: 'silent',
    PARLEY_MEDIA_ENGINE: 'janus',
    PARLEY_JANUS_URL: endpoint.url,
  },
})
if (!loaded.ok) throw new TypeError(JSON.stringify(loaded.problems))
const config = loaded.config
const logger = createLogger('silent')
const connected = await JanusEngine.connect({ endpoint, logger })
if (!connected.ok) throw new TypeError(JSON.stringify(connected.error))
const engine = connected.value
const store = new SqliteStore(join(dir, 'parley.sqlite'))
const instance = await createInstance(config, {
  logger,
  store,
  media: { engine, iceServers: () => ({ iceServers: [], expiresAt: null }) },
})
const {
  app,
  chat,
  services: { accounts },
} = instance
const tokens: string[] = []
let roomId = ''
/** The same people in a room with end-to-end encrypted calls, for the encryption cost. */
let e2eeRoomId = ''
for (let i = 0; i < people; i++) {
  const user = await accounts.createUser({ username: `person${i}` })
  if (!user.ok) throw new TypeError('cannot create a user')
  tokens.push((await accounts.createToken(user.value.id, 'bench')).secret)
  const caller = { type: 'user' as const, id: user.value.id, name: `person${i}` }
  if (i === 0) {
    const room = await chat.rooms.create(caller, { kind: 'public', name: 'Bench call' })
    if (!room.ok) throw new TypeError('cannot create the room')
    roomId = room.value.room.id
    const secret = await chat.rooms.create(caller, { kind: 'public', name: 'Bench call, encrypted', e2ee: true })
    if (!secret.ok) throw new TypeError('cannot create the e2ee room')
    e2eeRoomId = secret.value.room.id
  } else {
    for (const room of [roomId, e2eeRoomId]) {
      const joined = await chat.rooms.join(caller, room, undefined, '127.0.0.1')
      if (!joined.ok) throw new TypeError('cannot join the room')
    }
  }
}
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0, tokens, roomId, e2eeRoomId })

process.on('message', (message: { type: string }) => {
  if (message.type === 'reset') startCpu = process.cpuUsage()
  else if (message.type === 'stats') {
    const cpu = process.cpuUsage(startCpu)
    send({ type: 'stats', cpuMs: (cpu.user + cpu.system) / 1000 })
  } else if (message.type === 'stop') {
    void (async () => {
      await instance.close()
      engine.close()
      rmSync(dir, { recursive: true, force: true })
      process.exit(0)
    })()
  }
})
