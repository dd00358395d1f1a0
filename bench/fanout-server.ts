/**
 * The server side of the fan-out benchmark, in its own process so that clients and server do not
 * share a core: either a real Parley instance (SQLite in a temp folder, in-process bus) or the raw
 * `ws` baseline (a bare WebSocketServer that broadcasts what it is sent, serialised once, no auth,
 * no storage). Talks to the bench over IPC: {ready, port, token, roomId}, then answers 'stats'.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { WebSocketServer, type WebSocket } from 'ws'
import { createInstance, createLogger, loadConfig, SqliteStore } from '@parley/server'

const mode = process.argv[2] === 'raw' ? 'raw' : 'parley'
const send = (message: unknown) => process.send?.(message)
let startCpu = process.cpuUsage()
let startElu = performance.eventLoopUtilization()
let cleanup = async () => {}

if (mode === 'raw') {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data) => {
      const text = String(data)
      for (const client of wss.clients) if (client !== ws) client.send(text)
    })
  })
  await new Promise<void>((resolve) => wss.on('listening', () => resolve()))
  const address = wss.address()
  send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 })
  cleanup = async () => void wss.close()
} else {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'))
  const loaded = loadConfig({
    env: {
      PARLEY_DATA_DIR: dir,
      PARLEY_LOG_LEVEL: 'silent',
      PARLEY_REALTIME_SEND_BUFFER_KIB: '4096',
      PARLEY_CHAT_POSTS_PER_SECOND: '1000000',
    },
  })
  if (!loaded.ok) throw new TypeError(JSON.stringify(loaded.problems))
  const config = loaded.config
  const logger = createLogger('silent')
  const store = new SqliteStore(join(dir, 'parley.sqlite'))
  const instance = await createInstance(config, { logger, store })
  const {
    app,
    chat,
    services: { accounts },
  } = instance
  const poster = await accounts.createUser({ username: 'poster' })
  const reader = await accounts.createUser({ username: 'reader' })
  if (!poster.ok || !reader.ok) throw new TypeError('cannot create users')
  const posterToken = (await accounts.createToken(poster.value.id, 'bench')).secret
  const readerToken = (await accounts.createToken(reader.value.id, 'bench')).secret
  const caller = { type: 'user' as const, id: poster.value.id, name: 'poster' }
  const room = await chat.rooms.create(caller, { kind: 'group', name: 'Bench' })
  if (!room.ok) throw new TypeError('cannot create room')
  await chat.rooms.add(caller, room.value.room.id, reader.value.id)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  send({
    type: 'ready',
    port: typeof address === 'object' && address ? address.port : 0,
    posterToken,
    readerToken,
    roomId: room.value.room.id,
  })
  cleanup = async () => {
    await instance.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'reset') {
    startCpu = process.cpuUsage()
    startElu = performance.eventLoopUtilization()
  } else if (message.type === 'stats') {
    const cpu = process.cpuUsage(startCpu)
    send({
      type: 'stats',
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      eventLoopUtilization: performance.eventLoopUtilization(startElu).utilization,
    })
  } else if (message.type === 'stop') {
    void cleanup().then(() => process.exit(0))
  }
})
