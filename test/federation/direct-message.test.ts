import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'

describe('direct messages between users of two Parley instances', () => {
  let a: TestInstance
  let b: TestInstance
  let alice: { id: string }
  let bob: { id: string }
  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    alice = await a.addUser('alice')
    bob = await b.addUser('bob')
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  it('ParleyFederation.sendDirectMessage() reaches the other user as a direct message, and the reply threads back', async () => {
    const sent = await a.services.federation.federation.sendDirectMessage('alice', `@bob@${b.host}`, 'Hello <Bob> & co')
    assert.ok(sent.ok, JSON.stringify(sent))
    const [received] = await eventually(
      async () => {
        const list = await b.store().inboundMessages.listForUser(bob.id)
        return list.length > 0 ? list : null
      },
      15_000,
      'the message on B',
    )
    assert.equal(received?.noteId, sent.value.noteId)
    assert.equal(received?.senderId, `${a.origin}/users/alice`)
    assert.match(
      received?.content ?? '',
      /class="u-url mention">@<span>bob<\/span><\/a><\/span> Hello &lt;Bob&gt; &amp; co<\/p>$/,
    )

    const reply = await b.services.federation.federation.sendDirectMessage(
      'bob',
      `${a.origin}/users/alice`,
      'Hi!',
      sent.value.noteId,
    )
    assert.ok(reply.ok)
    const [back] = await eventually(
      async () => {
        const list = await a.store().inboundMessages.listForUser(alice.id)
        return list.length > 0 ? list : null
      },
      15_000,
      'the reply on A',
    )
    assert.equal(back?.inReplyTo, sent.value.noteId)
    assert.equal(back?.senderId, `${b.origin}/users/bob`)
  })
})
