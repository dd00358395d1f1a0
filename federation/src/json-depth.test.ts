import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { jsonDepth } from './json-depth.ts'

describe('jsonDepth()', () => {
  it('jsonDepth() counts object and array nesting, ignoring brackets inside strings', () => {
    assert.equal(jsonDepth('1'), 0)
    assert.equal(jsonDepth('{"a":[1,{"b":[]}]}'), 4)
    assert.equal(jsonDepth('{"a":"[[[{{{\\\\\\"]]]"}'), 1)
    assert.equal(jsonDepth('['.repeat(10000) + ']'.repeat(10000)), 10000)
  })
})
