import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { storeContract, type OpenStore } from '../contract/store-contract.ts'
import { roomsContract } from '../contract/rooms-contract.ts'
import { chatExtrasContract } from '../contract/chat-extras-contract.ts'
import { federationContract } from '../contract/federation-contract.ts'
import { roomFederationContract } from '../contract/room-federation-contract.ts'
import { directContract } from '../contract/direct-contract.ts'
import { remoteRoomsContract } from '../contract/remote-rooms-contract.ts'
import { filesContract } from '../contract/files-contract.ts'
import { meetingsContract } from '../contract/meetings-contract.ts'
import { pushContract } from '../contract/push-contract.ts'
import { SqliteStore, latestSqliteVersion } from './sqlite-store.ts'
import { migrations } from './migrations.ts'

// Each test gets a real SQLite file in a fresh temporary folder.
const openSqlite: OpenStore = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-store-'))
  const store = new SqliteStore(join(dir, 'parley.sqlite'))
  await store.migrate()
  const close = store.close.bind(store)
  store.close = async () => {
    await close()
    rmSync(dir, { recursive: true, force: true })
  }
  return store
}
storeContract('sqlite', openSqlite)
roomsContract('sqlite', openSqlite)
chatExtrasContract('sqlite', openSqlite)
federationContract('sqlite', openSqlite)
roomFederationContract('sqlite', openSqlite)
directContract('sqlite', openSqlite)
remoteRoomsContract('sqlite', openSqlite)
filesContract('sqlite', openSqlite)
meetingsContract('sqlite', openSqlite)
pushContract('sqlite', openSqlite)

describe('SqliteStore migrations', () => {
  it('SqliteStore.migrate() brings an empty file to the latest version in WAL mode, and data survives reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-migrate-'))
    try {
      const path = join(dir, 'nested', 'parley.sqlite')
      const store = new SqliteStore(path)
      assert.deepEqual(store.appliedVersions(), [])
      const applied = await store.migrate()
      assert.equal(applied.length, migrations.length)
      assert.deepEqual(
        store.appliedVersions(),
        migrations.map((m) => m.version).sort((a, b) => a - b),
      )
      assert.equal(Math.max(...store.appliedVersions()), latestSqliteVersion)
      await store.users.create({
        id: 'u1',
        username: 'zoe',
        displayName: 'Zoe',
        role: 'user',
        passwordHash: null,
        disabled: false,
        createdAt: 1,
        deletedAt: null,
        hidden: false,
        avatarEtag: null,
      })
      await store.close()

      const raw = new DatabaseSync(path)
      assert.equal(raw.prepare('PRAGMA journal_mode').get()?.journal_mode, 'wal')
      raw.close()

      const reopened = new SqliteStore(path)
      assert.deepEqual(await reopened.migrate(), [], 'nothing left to apply')
      assert.equal((await reopened.users.byUsername('zoe'))?.id, 'u1')
      await reopened.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("migration 151 moves the copies of remote rooms' files from the room URL to the local room mirroring it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-migrate-'))
    try {
      const path = join(dir, 'parley.sqlite')
      const store = new SqliteStore(path)
      await store.migrate()
      await store.close()
      const db = new DatabaseSync(path)
      db.exec(`
        INSERT INTO rooms (id, kind, name, description, listable, created_by, created_at)
          VALUES ('mirror', 'group', 'M', '', 'none', 'https://a.example/rooms/r', 0);
        INSERT INTO remote_rooms (room_id, room_uri) VALUES ('mirror', 'https://a.example/rooms/r');
        INSERT INTO blobs (id, sha256, size, created_at) VALUES ('b1', 'h1', 3, 0);
        INSERT INTO files (id, room_id, seq, owner_id, name, media_type, size, blob_id, source_url, created_at)
          VALUES ('copy', 'https://a.example/rooms/r', 4, 'https://a.example/users/alice', 'a.txt', 'text/plain', 3, 'b1', 'https://a.example/files/x', 0),
                 ('own', 'local-room', 2, 'u1', 'b.txt', 'text/plain', 3, 'b1', NULL, 0);
      `)
      const sql = migrations.find((m) => m.version === 151)?.sql
      assert.ok(sql)
      db.exec(sql)
      db.exec(sql) // idempotent
      assert.deepEqual(
        db
          .prepare('SELECT id, room_id FROM files ORDER BY id')
          .all()
          .map((r) => [r.id, r.room_id]),
        [
          ['copy', 'mirror'],
          ['own', 'local-room'],
        ],
      )
      db.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('SqliteStore.ping() rejects once the store is closed, and close() is idempotent', async () => {
    const store = new SqliteStore(':memory:')
    await store.ping()
    await store.close()
    await store.close()
    await assert.rejects(store.ping(), /closed/)
  })
})
