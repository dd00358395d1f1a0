import { it } from 'node:test'
import assert from 'node:assert/strict'
import { parseRange } from './http-range.ts'

it('parseRange() serves single byte ranges, suffixes and open ends, clamped to the file', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), { type: 'partial', start: 0, end: 9 })
  assert.deepEqual(parseRange('bytes=90-', 100), { type: 'partial', start: 90, end: 99 })
  assert.deepEqual(parseRange('bytes=-10', 100), { type: 'partial', start: 90, end: 99 })
  assert.deepEqual(parseRange('bytes=-500', 100), { type: 'partial', start: 0, end: 99 })
  assert.deepEqual(parseRange('bytes=50-5000', 100), { type: 'partial', start: 50, end: 99 })
})

it('parseRange() refuses ranges outside the file and ignores what it does not take', () => {
  assert.deepEqual(parseRange('bytes=100-', 100), { type: 'unsatisfiable' })
  assert.deepEqual(parseRange('bytes=100-200', 100), { type: 'unsatisfiable' })
  assert.deepEqual(parseRange('bytes=-0', 100), { type: 'unsatisfiable' })
  assert.deepEqual(parseRange('bytes=0-0', 0), { type: 'unsatisfiable' })
  assert.deepEqual(parseRange('bytes=99999999999999999999-', 100), { type: 'unsatisfiable' })
  assert.deepEqual(parseRange(undefined, 100), { type: 'whole' })
  assert.deepEqual(parseRange('bytes=0-1,5-6', 100), { type: 'whole' })
  assert.deepEqual(parseRange('items=0-1', 100), { type: 'whole' })
  assert.deepEqual(parseRange('bytes=9-3', 100), { type: 'whole' })
  assert.deepEqual(parseRange('bytes=-', 100), { type: 'whole' })
})
