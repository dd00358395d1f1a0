/**
 * participantActions() as a table: the participants panel offers what the server allows for the
 * person's state and both roles (server/src/rooms/policy.ts), and nothing it would refuse.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { ParticipantView } from '@parley/client'
import { participantActions } from './participant-actions.ts'

type Person = Pick<ParticipantView, 'actorId' | 'actorType' | 'role' | 'state'>
const person = (actorId: string, role: Person['role'], state: Person['state'] = 'active'): Person => ({
  actorId,
  actorType: role === 'guest' ? 'guest' : 'user',
  role,
  state,
})
const owner = person('alice', 'owner')
const moderator = person('mona', 'moderator')

describe('participantActions()', () => {
  const cases: [string, Person | undefined, Person, string[]][] = [
    ['owner → banned member', owner, person('bob', 'member', 'banned'), ['unban']],
    ['moderator → banned member', moderator, person('bob', 'member', 'banned'), ['unban']],
    ['owner → member in the lobby', owner, person('dave', 'member', 'lobby'), ['admit', 'remove', 'ban']],
    ['owner → guest in the lobby', owner, person('vera', 'guest', 'lobby'), ['admit', 'remove', 'ban']],
    ['owner → member', owner, person('bob', 'member'), ['make-moderator', 'remove', 'ban']],
    ['owner → moderator', owner, person('mona', 'moderator'), ['make-member', 'remove', 'ban']],
    ['owner → guest', owner, person('vera', 'guest'), ['remove', 'ban']],
    ['owner → another owner', owner, person('olga', 'owner'), []],
    ['moderator → member (no promoting: owners only)', moderator, person('bob', 'member'), ['remove', 'ban']],
    ['moderator → another moderator', moderator, person('max', 'moderator'), []],
    ['moderator → owner', moderator, owner, []],
    ['member → member', person('carol', 'member'), person('bob', 'member'), []],
    ['owner → self', owner, owner, []],
    ['not in the room', undefined, person('bob', 'member'), []],
    ['moderator still in the lobby', person('mona', 'moderator', 'lobby'), person('bob', 'member'), []],
  ]
  for (const [name, me, p, expected] of cases)
    it(name, () => assert.deepEqual(participantActions(me, p, 'public'), expected))

  it('offers nothing in a one-to-one room', () =>
    assert.deepEqual(participantActions(owner, person('bob', 'owner'), 'one-to-one'), []))
})
