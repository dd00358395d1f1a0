import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Join, Leave, Mention, Note, Remove, Update } from '@fedify/fedify/vocab'
import { buildEventAnnounce } from './room-fanout.ts'
import { participantEventOf } from './room-roster-events.ts'
import type { RoomFanoutEvent } from '../ports.ts'

const room = new URL('https://a.example/rooms/r1')
const carol = { id: 'https://a.example/users/carol', name: 'Carol' }
const inner = new URL(`${room.href}/events/7/object`)

describe('participant changes announced by a room', () => {
  it('what the host announces reads back as the same event', async () => {
    const sent: RoomFanoutEvent[] = [
      { type: 'participant.joined', actor: carol },
      { type: 'participant.updated', actor: carol },
      { type: 'participant.left', actor: carol, reason: 'left' },
      { type: 'participant.left', actor: carol, reason: 'removed' },
      { type: 'participant.left', actor: carol, reason: 'banned' },
    ]
    for (const event of sent) {
      const announce = buildEventAnnounce(room, 7, event, 1_000)
      assert.deepEqual(await participantEventOf(room, await announce.getObject()), event, event.type)
    }
  })

  it('is read only from what the room itself says about a user, never about its own documents', async () => {
    const user = new URL(carol.id)
    const tags = [new Mention({ href: user, name: 'Carol' })]
    const otherRoom = new URL('https://a.example/rooms/r2')
    const refused = [
      // A Join or Leave of another room.
      new Join({ id: inner, actor: user, object: otherRoom, tags }),
      new Leave({ id: inner, actor: user, object: otherRoom, tags }),
      // An Update or Remove by someone other than the room.
      new Update({ id: inner, actor: user, object: user, tags }),
      new Remove({ id: inner, actor: user, object: user, origin: room, tags }),
      // A Remove from elsewhere than the room.
      new Remove({ id: inner, actor: room, object: user, origin: otherRoom, tags }),
      // The room's own documents: a rename, a poll's results, a message.
      new Update({ id: inner, actor: room, object: room }),
      new Update({ id: inner, actor: room, object: new URL(`${room.href}/polls/p1`) }),
      new Update({ id: inner, actor: room, object: new Note({ id: new URL(`${room.href}/messages/3`) }) }),
      // Not a web URL.
      new Update({ id: inner, actor: room, object: new URL('urn:example:carol') }),
    ]
    for (const object of refused)
      assert.equal(await participantEventOf(room, object), null, String(object.constructor.name))
  })

  it('a user named without a Mention is shown by their URL', async () => {
    const event = await participantEventOf(room, new Join({ id: inner, actor: new URL(carol.id), object: room }))
    assert.deepEqual(event, { type: 'participant.joined', actor: { id: carol.id, name: carol.id } })
  })
})
