import { test } from 'node:test'
import assert from 'node:assert/strict'
import { actorIdentity, asRemoteActorId, isRemoteActorId, remoteActorId } from './actor-ids.ts'

test('remoteActorId() takes http(s) actor URLs and normalises them', () => {
  assert.equal(remoteActorId('https://b.example/users/bob'), 'https://b.example/users/bob')
  assert.equal(remoteActorId('HTTPS://B.example/rooms/1'), 'https://b.example/rooms/1')
  assert.equal(remoteActorId('http://127.0.0.1:8080/users/x'), 'http://127.0.0.1:8080/users/x')
})

test('remoteActorId() refuses ids of ours and other schemes', () => {
  for (const id of ['0b9d6f4e-4f6b-4c1e-9f8a-2a1b3c4d5e6f', 'bob', 'bob@b.example', 'mailto:bob@b.example', ''])
    assert.equal(remoteActorId(id), null, id)
  assert.equal(isRemoteActorId('guest-1'), false)
})

test('actorIdentity() tells the kinds apart; asRemoteActorId() throws a TypeError on a local id', () => {
  assert.deepEqual(actorIdentity('u-1'), { kind: 'local', id: 'u-1' })
  assert.deepEqual(actorIdentity('https://b.example/users/bob'), { kind: 'remote', id: 'https://b.example/users/bob' })
  assert.throws(() => asRemoteActorId('u-1'), TypeError)
})
