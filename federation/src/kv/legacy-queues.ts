/**
 * Queues a previous version wrote and this one no longer reads. Before one federation served users
 * and rooms, rooms had a Fedify federation and a queue of their own (SQLite table
 * `fedify_room_queue`, Redis prefix `…rmq:`), whose inbox identifiers were bare room ids. What it
 * still held at the upgrade — deliveries to member instances, remote members' activities — would
 * otherwise never be handled. `adopt…` moves every message into the one queue (ordering keys and
 * due times kept, messages of one ordering key ahead of any the new version queued under it) and
 * removes the old queue, atomically, so nodes starting at once move each message once.
 */
import type { DatabaseSync } from 'node:sqlite'
import type { Redis } from 'ioredis'

/** The rooms' own queue before one federation (SQLite table). */
export const LEGACY_ROOM_QUEUE_TABLE = 'fedify_room_queue'
/** The rooms' own queue before one federation (Redis, after the instance's prefix). */
export const LEGACY_ROOM_QUEUE_PREFIX = 'rmq:'

/**
 * A message of the old rooms' federation as the one federation reads it: inbox messages named
 * their room by its bare id, the one federation by `rooms/{id}` (actor-identifiers.ts). Deliveries
 * (outbox, fanout) carry their keys and inboxes and need nothing changed.
 */
export function upgradeRoomQueueMessage(message: unknown): unknown {
  if (typeof message !== 'object' || message === null) return message
  const m = message as { type?: unknown; identifier?: unknown }
  if (m.type !== 'inbox' || typeof m.identifier !== 'string' || m.identifier.includes('/')) return message
  return { ...m, identifier: `rooms/${m.identifier}` }
}

function upgradeRaw(raw: string): string {
  try {
    return JSON.stringify(upgradeRoomQueueMessage(JSON.parse(raw)))
  } catch {
    // Not JSON: left as it was (the worker reports it like any bad message).
    return raw
  }
}

/**
 * SQLite: moves the rows of table `from` into the queue table `to` (both SqliteMessageQueue tables
 * in `db`; `to` exists) and drops `from`. Returns how many messages moved (0 when there was no
 * such table).
 */
export function adoptSqliteQueue(db: DatabaseSync, from: string, to: string): number {
  for (const table of [from, to])
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) throw new TypeError(`invalid table name: ${table}`)
  db.exec('BEGIN IMMEDIATE')
  try {
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(from)
    if (!exists) {
      db.exec('COMMIT')
      return 0
    }
    const rows = db.prepare(`SELECT message, ordering_key, run_at, created_at FROM "${from}" ORDER BY id`).all()
    if (rows.length > 0) {
      // Ahead of what this version queued under the same ordering keys: the old ones were first.
      const keys = [...new Set(rows.map((r) => r.ordering_key).filter((k): k is string => typeof k === 'string'))]
      const newer = db.prepare(
        `SELECT id, message, ordering_key, run_at, created_at FROM "${to}" WHERE ordering_key = ? ORDER BY id`,
      )
      const later = keys.flatMap((k) => newer.all(k))
      const remove = db.prepare(`DELETE FROM "${to}" WHERE id = ?`)
      for (const r of later) remove.run(r.id as number)
      const insert = db.prepare(`INSERT INTO "${to}" (message, ordering_key, run_at, created_at) VALUES (?, ?, ?, ?)`)
      for (const r of rows)
        insert.run(upgradeRaw(String(r.message)), r.ordering_key ?? null, r.run_at as number, r.created_at as number)
      for (const r of later)
        insert.run(String(r.message), r.ordering_key ?? null, r.run_at as number, r.created_at as number)
    }
    db.exec(`DROP TABLE "${from}"`)
    db.exec('COMMIT')
    return rows.length
  } catch (error) {
    db.exec('ROLLBACK')
    throw error
  }
}

// Moves an old RedisMessageQueue (prefix ARGV[1]) into a new one (prefix ARGV[2]), same layout
// (redis-message-queue.ts); returns how many messages moved. In-flight messages of the old queue
// (`processing`) go first again: their worker is gone.
const ADOPT = `
local old, new = ARGV[1], ARGV[2]
local moved = 0
local keys = {}
local function front(k, e)
  if k and k ~= cjson.null then
    redis.call('LPUSH', new .. 'key:' .. k, e)
    keys[k] = true
  else
    redis.call('RPUSH', new .. 'ready', e)
  end
  moved = moved + 1
end
-- Keyed lists first, in reverse (LPUSH puts each ahead): the oldest ends up first.
local tokens = {}
for _, item in ipairs(redis.call('LRANGE', old .. 'ready', 0, -1)) do
  local d = cjson.decode(item)
  if d.token then tokens[d.token] = true end
end
for _, member in ipairs(redis.call('ZRANGE', old .. 'processing', 0, -1)) do
  local d = cjson.decode(member)
  if d.k and d.k ~= cjson.null then tokens[d.k] = true end
end
for k, _ in pairs(tokens) do
  local entries = redis.call('LRANGE', old .. 'key:' .. k, 0, -1)
  for i = #entries, 1, -1 do front(k, entries[i]) end
  redis.call('DEL', old .. 'key:' .. k, old .. 'lock:' .. k)
end
-- Unkeyed ready entries: LPUSH'd when queued, RPOP'd when claimed; oldest (rightmost) first.
local ready = redis.call('LRANGE', old .. 'ready', 0, -1)
for i = 1, #ready do
  local d = cjson.decode(ready[i])
  if not d.token then redis.call('RPUSH', new .. 'ready', ready[i]); moved = moved + 1 end
end
-- In flight when the old version stopped: taken again first.
for _, member in ipairs(redis.call('ZRANGE', old .. 'processing', 0, -1)) do
  local d = cjson.decode(member)
  front(d.k, d.e)
end
local delayed = redis.call('ZRANGE', old .. 'delayed', 0, -1, 'WITHSCORES')
for i = 1, #delayed, 2 do
  redis.call('ZADD', new .. 'delayed', delayed[i + 1], delayed[i])
  moved = moved + 1
end
for k, _ in pairs(keys) do redis.call('RPUSH', new .. 'ready', cjson.encode({token = k})) end
redis.call('DEL', old .. 'ready', old .. 'processing', old .. 'delayed')
return moved
`

/**
 * Redis: moves every message of the old RedisMessageQueue under `fromPrefix` into the one under
 * `toPrefix`, the old rooms' inbox messages rewritten for the one federation. One node does it
 * (a lock under the old prefix; the others find nothing or skip), the move itself is one Lua
 * script. Returns how many moved.
 */
export async function adoptRedisQueue(redis: Redis, fromPrefix: string, toPrefix: string): Promise<number> {
  const lock = `${fromPrefix}adopting`
  if ((await redis.set(lock, '1', 'PX', 60_000, 'NX')) === null) return 0
  try {
    // The bodies are rewritten first, under the old prefix, where no worker reads them.
    await rewriteRedisEntries(redis, fromPrefix)
    return Number(await redis.eval(ADOPT, 0, fromPrefix, toPrefix))
  } finally {
    await redis.del(lock)
  }
}

/** Rewrites each entry's body under `prefix` (upgradeRoomQueueMessage); entries keep their ids. */
async function rewriteRedisEntries(redis: Redis, prefix: string): Promise<void> {
  const entry = (e: string) => {
    const parsed = JSON.parse(e) as { id: string; body: string }
    return JSON.stringify({ id: parsed.id, body: upgradeRaw(parsed.body) })
  }
  const ready = await redis.lrange(`${prefix}ready`, 0, -1)
  const tokens = new Set<string>()
  const rewritten = ready.map((item) => {
    const d = JSON.parse(item) as { token?: string }
    if (d.token !== undefined) {
      tokens.add(d.token)
      return item
    }
    return entry(item)
  })
  const multi = redis.multi()
  if (ready.length > 0) multi.del(`${prefix}ready`).rpush(`${prefix}ready`, ...rewritten)
  for (const member of await redis.zrange(`${prefix}processing`, 0, -1)) {
    const d = JSON.parse(member) as { k: string | null; e: string }
    if (d.k !== null) tokens.add(d.k)
  }
  for (const key of tokens) {
    const list = await redis.lrange(`${prefix}key:${key}`, 0, -1)
    if (list.length > 0) multi.del(`${prefix}key:${key}`).rpush(`${prefix}key:${key}`, ...list.map(entry))
  }
  for (const set of ['processing', 'delayed'] as const) {
    const members = await redis.zrange(`${prefix}${set}`, 0, -1, 'WITHSCORES')
    if (members.length === 0) continue
    multi.del(`${prefix}${set}`)
    for (let i = 0; i < members.length; i += 2) {
      const d = JSON.parse(members[i]!) as { k: string | null; e: string }
      multi.zadd(`${prefix}${set}`, members[i + 1]!, JSON.stringify({ k: d.k, e: entry(d.e) }))
    }
  }
  await multi.exec()
}
