import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  INSTANCE_IDENTIFIER,
  parseIdentifier,
  roomIdOf,
  roomIdentifier,
  userIdentifier,
  usernameOf,
} from './actor-identifiers.ts'

test('parseIdentifier() reads back what userIdentifier(), roomIdentifier() and the instance identifier make', () => {
  assert.deepEqual(parseIdentifier(userIdentifier('alice')), { kind: 'user', username: 'alice' })
  assert.deepEqual(parseIdentifier(roomIdentifier('0b9d6f4e-1')), { kind: 'room', roomId: '0b9d6f4e-1' })
  assert.deepEqual(parseIdentifier(INSTANCE_IDENTIFIER), { kind: 'instance' })
  assert.equal(usernameOf('users/bob'), 'bob')
  assert.equal(roomIdOf('users/bob'), null)
  assert.equal(roomIdOf('rooms/r1'), 'r1')
})

test('parseIdentifier() refuses anything else: extra segments, other kinds, empty names, nothing', () => {
  for (const identifier of ['users/a/b', 'users/', 'rooms', 'groups/x', 'actor/inbox', '', 'alice', null, undefined])
    assert.equal(parseIdentifier(identifier), null, String(identifier))
})
