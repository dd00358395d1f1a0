/**
 * The server side of the files benchmark, in its own process so that its memory is its own: a real
 * Parley instance (config from the environment as `parley serve` reads it: local disk, or S3 on the
 * stand-in whose endpoint the bench passes), listening on 127.0.0.1. Talks over IPC: `ready` with
 * {port, token, roomId}; `mark` resets the peak resident memory; `peak` answers it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInstance, createLogger, loadConfig, SqliteStore } from '@parley/server'

const [backend = 'local', endpoint = ''] = process.argv.slice(2)
const dir = mkdtempSync(join(tmpdir(), 'parley-bench-files-'))
const loaded = loadConfig({
  env: {
    PARLEY_DATA_DIR: dir,
    PARLEY_LOG_LEVEL: 'silent',
    PARLEY_FILES_MAX_BYTES: String(4 * 1024 ** 3),
    PARLEY_FILES_QUOTA_BYTES: '0',
    PARLEY_CHAT_POSTS_PER_SECOND: '1000',
    ...(backend === 's3'
      ? {
          PARLEY_FILES_STORAGE: 's3',
          PARLEY_FILES_S3_ENDPOINT: endpoint,
          PARLEY_FILES_S3_BUCKET: 'bench',
          PARLEY_FILES_S3_ACCESS_KEY_ID: 'S3RVER',
          PARLEY_FILES_S3_SECRET_ACCESS_KEY: 'S3RVER',
        }
      : {}),
  },
})
if (!loaded.ok) throw new TypeError(JSON.stringify(loaded.problems))
const instance = await createInstance(loaded.config, {
  logger: createLogger('silent'),
  store: new SqliteStore(join(dir, 'parley.sqlite')),
})
const { accounts } = instance.services
const user = await accounts.createUser({ username: 'bench' })
if (!user.ok) throw new TypeError('cannot create the user')
const token = (await accounts.createToken(user.value.id, 'bench')).secret
const room = await instance.chat.rooms.create(
  { type: 'user', id: user.value.id, name: 'bench' },
  { kind: 'group', name: 'Bench' },
)
if (!room.ok) throw new TypeError('cannot create the room')
await instance.app.listen({ host: '127.0.0.1', port: 0 })
const address = instance.app.server.address()

let peak = process.memoryUsage().rss
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10)
process.on('message', (message: { type: string }) => {
  if (message.type === 'mark') {
    global.gc?.()
    peak = process.memoryUsage().rss
    process.send?.({ type: 'marked', rss: peak })
  } else if (message.type === 'peak') {
    process.send?.({ type: 'peak', peak: Math.max(peak, process.memoryUsage().rss) })
  } else if (message.type === 'stop') {
    clearInterval(sampler)
    void instance.close().then(() => {
      rmSync(dir, { recursive: true, force: true })
      process.exit(0)
    })
  }
})
process.send?.({
  type: 'ready',
  port: typeof address === 'object' && address ? address.port : 0,
  token,
  roomId: room.value.room.id,
})
