/**
 * The KvStore cases every Fedify KvStore of ours passes (after Fedify's own tests of its SQLite and
 * Redis stores, which @fedify/testing does not export as a suite). A backend test file calls
 * `kvStoreContract(name, open)`; `advance(ms)` moves the backend's clock (or waits).
 */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { Temporal } from '@js-temporal/polyfill'
import type { KvKey, KvStore } from '@fedify/fedify'

export type KvFixture = { kv: KvStore; advance(ms: number): Promise<void>; close(): Promise<void> }

export function kvStoreContract(backend: string, open: () => Promise<KvFixture>, skip?: string): void {
  describe(`KvStore contract (${backend})`, { skip }, () => {
    let f: KvFixture
    beforeEach(async () => {
      f = await open()
    })
    afterEach(async () => {
      await f.close()
    })

    async function entries(prefix?: KvKey) {
      const out: { key: readonly string[]; value: unknown }[] = []
      for await (const entry of f.kv.list(prefix)) out.push({ key: entry.key, value: entry.value })
      return out.sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)))
    }

    it('KvStore.get() returns what set() stored, undefined when missing or expired', async () => {
      await f.kv.set(['foo', 'bar'], ['foobar'])
      assert.deepEqual(await f.kv.get(['foo', 'bar']), ['foobar'])
      assert.equal(await f.kv.get(['foo']), undefined)
      await f.kv.set(['foo', 'ttl'], 'x', { ttl: Temporal.Duration.from({ milliseconds: 300 }) })
      assert.equal(await f.kv.get(['foo', 'ttl']), 'x')
      await f.advance(350)
      assert.equal(await f.kv.get(['foo', 'ttl']), undefined)
    })

    it('KvStore.set() overwrites in place and keeps every JSON value shape', async () => {
      await f.kv.set(['upsert'], 'initial')
      await f.kv.set(['upsert'], 'updated')
      assert.equal(await f.kv.get(['upsert']), 'updated')
      const values: [string, unknown][] = [
        ['null', null],
        ['empty', ''],
        ['zero', 0],
        ['false', false],
        ['array', [1, 2, 3]],
        ['object', { nested: { a: 1 } }],
      ]
      for (const [name, value] of values) await f.kv.set(['shape', name], value)
      for (const [name, value] of values) assert.deepEqual(await f.kv.get(['shape', name]), value, name)
    })

    it('KvStore.delete() removes a key and ignores missing ones', async () => {
      await f.kv.delete(['nothing'])
      await f.kv.set(['foo', 'qux'], 'qux')
      await f.kv.delete(['foo', 'qux'])
      assert.equal(await f.kv.get(['foo', 'qux']), undefined)
    })

    it('KvStore.cas() swaps only when the current value equals the expected one', async () => {
      const cas = f.kv.cas
      assert.ok(cas, 'cas is implemented')
      await f.kv.set(['foo', 'bar'], 'foobar')
      assert.equal(await f.kv.cas?.(['foo', 'bar'], 'bar', 'baz'), false)
      assert.equal(await f.kv.get(['foo', 'bar']), 'foobar')
      assert.equal(await f.kv.cas?.(['foo', 'bar'], 'foobar', 'baz'), true)
      assert.equal(await f.kv.get(['foo', 'bar']), 'baz')
      await f.kv.delete(['foo', 'bar'])
      assert.equal(await f.kv.cas?.(['foo', 'bar'], 'foobar', 'baz'), false)
      assert.equal(await f.kv.cas?.(['foo', 'bar'], undefined, 'baz'), true)
      assert.equal(await f.kv.cas?.(['foo', 'bar'], 'baz', undefined), true)
      assert.equal(await f.kv.get(['foo', 'bar']), undefined)
      await f.kv.set(['object'], { a: 1, b: 2 })
      assert.equal(await f.kv.cas?.(['object'], { b: 2, a: 1 }, { a: 1, b: 2, c: 3 }), true, 'compares structurally')
      assert.deepEqual(await f.kv.get(['object']), { a: 1, b: 2, c: 3 })
    })

    it('KvStore.list() yields the prefix and its descendants only, skipping expired entries', async () => {
      await f.kv.set(['prefix', 'a'], 'value-a')
      await f.kv.set(['prefix', 'b'], 'value-b')
      await f.kv.set(['prefix', 'nested', 'c'], 'value-c')
      await f.kv.set(['prefixed'], 'not a child')
      await f.kv.set(['other', 'x*?[]'], 'value-x')
      await f.kv.set(['prefix', 'gone'], 'soon', { ttl: Temporal.Duration.from({ milliseconds: 300 }) })
      await f.advance(350)
      assert.deepEqual(
        (await entries(['prefix'])).map((e) => e.key),
        [
          ['prefix', 'a'],
          ['prefix', 'b'],
          ['prefix', 'nested', 'c'],
        ],
      )
      assert.deepEqual(await entries(['prefix', 'a']), [{ key: ['prefix', 'a'], value: 'value-a' }])
      assert.deepEqual(
        await entries(['other', 'x*?[]']),
        [{ key: ['other', 'x*?[]'], value: 'value-x' }],
        'glob characters are literal',
      )
      assert.equal((await entries()).length, 5)
    })
  })
}
