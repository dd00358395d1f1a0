import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { Temporal } from '@js-temporal/polyfill'
import { openFederationDatabase } from './sqlite-database.ts'
import { SqliteKvStore } from './sqlite-kv-store.ts'
import { kvStoreContract } from './kv-store-contract.ts'

// A controllable clock instead of sleeping.
kvStoreContract('sqlite', async () => {
  const clock = { now: 1_000_000 }
  const db = openFederationDatabase(':memory:')
  return {
    kv: new SqliteKvStore(db, { now: () => clock.now }),
    advance: async (ms) => void (clock.now += ms),
    close: async () => db.close(),
  }
})

describe('SqliteKvStore', () => {
  it('SqliteKvStore.sweep() deletes expired entries, and setting undefined deletes the key', async () => {
    const clock = { now: 1_000_000 }
    const db = openFederationDatabase(':memory:')
    const kv = new SqliteKvStore(db, { now: () => clock.now })
    await kv.set(['a'], 1, { ttl: Temporal.Duration.from({ seconds: 1 }) })
    await kv.set(['b'], 2)
    await kv.set(['b'], undefined)
    clock.now += 1000
    assert.equal(kv.sweep(), 1)
    assert.equal(db.prepare('SELECT COUNT(*) AS n FROM fedify_kv').get()?.n, 0)
    db.close()
  })

  it('SqliteKvStore keeps data across connections to one file (cas is atomic between them)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-kv-'))
    try {
      const path = join(dir, 'federation.sqlite')
      const a = new SqliteKvStore(openFederationDatabase(path))
      const b = new SqliteKvStore(openFederationDatabase(path))
      await a.set(['shared'], 0)
      const results = await Promise.all([a.cas(['shared'], 0, 1), b.cas(['shared'], 0, 2)])
      assert.deepEqual(results.sort(), [false, true])
      assert.ok([1, 2].includes((await b.get<number>(['shared'])) as number))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
