import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Temporal } from '@js-temporal/polyfill'
import { openFederationDatabase } from './sqlite-database.ts'
import { SqliteKvStore } from './sqlite-kv-store.ts'

// The cases of Fedify's own KvStore tests (packages/sqlite/src/kv.test.ts), which @fedify/testing
// does not export as a reusable suite, with a controllable clock instead of sleeping.
function fresh(start = 1_000_000) {
  const clock = { now: start }
  const db = openFederationDatabase(':memory:')
  return { db, clock, kv: new SqliteKvStore(db, { now: () => clock.now }) }
}

async function entries(kv: SqliteKvStore, prefix?: [string, ...string[]]) {
  const out: { key: readonly string[]; value: unknown }[] = []
  for await (const entry of kv.list(prefix)) out.push({ key: entry.key, value: entry.value })
  return out
}

describe('SqliteKvStore', () => {
  it('SqliteKvStore.get() returns what set() stored, undefined when missing or expired', async () => {
    const { kv, clock } = fresh()
    await kv.set(['foo', 'bar'], ['foobar'])
    assert.deepEqual(await kv.get(['foo', 'bar']), ['foobar'])
    assert.equal(await kv.get(['foo']), undefined)
    await kv.set(['foo', 'ttl'], 'x', { ttl: Temporal.Duration.from({ milliseconds: 500 }) })
    assert.equal(await kv.get(['foo', 'ttl']), 'x')
    clock.now += 500
    assert.equal(await kv.get(['foo', 'ttl']), undefined)
  })

  it('SqliteKvStore.set() overwrites in place and keeps every JSON value shape', async () => {
    const { kv, db } = fresh()
    await kv.set(['upsert'], 'initial')
    await kv.set(['upsert'], 'updated')
    assert.equal(await kv.get(['upsert']), 'updated')
    assert.equal(db.prepare('SELECT COUNT(*) AS n FROM fedify_kv').get()?.n, 1)
    const values: [string, unknown][] = [['null', null], ['empty', ''], ['zero', 0], ['false', false], ['array', [1, 2, 3]], ['object', { nested: { a: 1 } }]]
    for (const [name, value] of values) await kv.set(['shape', name], value)
    for (const [name, value] of values) assert.deepEqual(await kv.get(['shape', name]), value, name)
    await kv.set(['shape', 'null'], undefined)
    assert.equal(await kv.get(['shape', 'null']), undefined, 'setting undefined removes the key')
  })

  it('SqliteKvStore.delete() removes a key and ignores missing ones', async () => {
    const { kv } = fresh()
    await kv.delete(['nothing'])
    await kv.set(['foo', 'qux'], 'qux')
    await kv.delete(['foo', 'qux'])
    assert.equal(await kv.get(['foo', 'qux']), undefined)
  })

  it('SqliteKvStore.cas() swaps only when the current value equals the expected one', async () => {
    const { kv } = fresh()
    await kv.set(['foo', 'bar'], 'foobar')
    assert.equal(await kv.cas(['foo', 'bar'], 'bar', 'baz'), false)
    assert.equal(await kv.get(['foo', 'bar']), 'foobar')
    assert.equal(await kv.cas(['foo', 'bar'], 'foobar', 'baz'), true)
    assert.equal(await kv.get(['foo', 'bar']), 'baz')
    await kv.delete(['foo', 'bar'])
    assert.equal(await kv.cas(['foo', 'bar'], 'foobar', 'baz'), false)
    assert.equal(await kv.cas(['foo', 'bar'], undefined, 'baz'), true)
    assert.equal(await kv.cas(['foo', 'bar'], 'baz', undefined), true)
    assert.equal(await kv.get(['foo', 'bar']), undefined)
    await kv.set(['object'], { a: 1, b: 2 })
    assert.equal(await kv.cas(['object'], { b: 2, a: 1 }, { a: 1, b: 2, c: 3 }), true, 'compares structurally')
    assert.deepEqual(await kv.get(['object']), { a: 1, b: 2, c: 3 })
  })

  it('SqliteKvStore.list() yields the prefix and its descendants only, skipping expired entries', async () => {
    const { kv, clock } = fresh()
    await kv.set(['prefix', 'a'], 'value-a')
    await kv.set(['prefix', 'b'], 'value-b')
    await kv.set(['prefix', 'nested', 'c'], 'value-c')
    await kv.set(['prefixed'], 'not a child')
    await kv.set(['other', 'x'], 'value-x')
    await kv.set(['prefix', 'gone'], 'soon', { ttl: Temporal.Duration.from({ seconds: 1 }) })
    clock.now += 1000
    assert.deepEqual((await entries(kv, ['prefix'])).map((e) => e.key), [['prefix', 'a'], ['prefix', 'b'], ['prefix', 'nested', 'c']])
    assert.deepEqual(await entries(kv, ['prefix', 'a']), [{ key: ['prefix', 'a'], value: 'value-a' }])
    assert.equal((await entries(kv)).length, 5)
    assert.equal(kv.sweep(), 1)
  })

  it('SqliteKvStore keeps data across connections to one file (cas is atomic between them)', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
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
