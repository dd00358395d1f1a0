import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import Type from 'typebox'
import { Compile } from 'typebox/compile'
import { RoomName } from '@parley/protocol'
import { checkReadably } from './readable-issues.ts'

const Body = Type.Object(
  {
    kind: Type.Union([Type.Literal('group'), Type.Literal('public')]),
    name: RoomName,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    auth: Type.Optional(Type.Object({ token: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
)
const check = Compile(Body)
const messages = (value: unknown) => checkReadably(check, value, 'body')?.map((i) => i.message)

describe('readableIssues()', () => {
  it('names the field and the allowed values of a union of constants', () => {
    assert.deepEqual(messages({ kind: 'secret', name: 'x' }), ['kind must be one of group, public'])
  })

  it('names every missing field and every unknown one once', () => {
    assert.deepEqual(messages({}), ['kind is required', 'name is required'])
    assert.deepEqual(messages({ kind: 'group', name: 'x', colour: 'red' }), ['colour is not an allowed field'])
  })

  it('says what a limit, a type and a nested field need, with dotted paths', () => {
    assert.deepEqual(messages({ kind: 'group', name: 'x', limit: 0 }), ['limit must be >= 1'])
    assert.deepEqual(messages({ kind: 'group', name: 'x', limit: 'ten' }), ['limit must be an integer'])
    assert.deepEqual(messages({ kind: 'group', name: 'x', auth: { token: '' } }), [
      'auth.token must be at least 1 character long',
    ])
  })

  it('describes the room-name pattern in words: blank and control characters are refused', () => {
    for (const name of ['   ', '\t', 'a\u0000b', 'line\nbreak', 'bell\u0007', 'c1\u0085'])
      assert.deepEqual(
        messages({ kind: 'group', name }),
        ['name must not be blank or contain control characters'],
        name,
      )
    assert.equal(messages({ kind: 'group', name: ' Ünïcødé — ok 🎉 ' }), undefined)
  })

  it('checks a long blank name in linear time (no catastrophic backtracking)', () => {
    assert.ok(messages({ kind: 'group', name: ' '.repeat(200_000) + '\u0001' }))
  })
})
