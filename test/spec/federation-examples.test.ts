import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'

// The JSON examples of spec/federation.md, checked against what a real instance serves and sends,
// so the document cannot drift from the code.
type Json = Record<string, unknown>
const spec = readFileSync(new URL('../../spec/federation.md', import.meta.url), 'utf8')
const examples = [...spec.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] ?? '') as Json)
const example = (predicate: (e: Json) => boolean, what: string): Json => {
  const found = examples.find(predicate)
  assert.ok(found, `spec/federation.md has a ${what} example`)
  return found
}
const keys = (o: unknown) => Object.keys(o as Json).sort()

describe('spec/federation.md examples match the implementation', () => {
  let parley: TestInstance
  let mastodon: FakeMastodon
  let bob: { id: string }
  before(async () => {
    ;[parley, mastodon] = await Promise.all([startInstance(), startFakeMastodon()])
    bob = await parley.addUser('bob', 'Bob Builder')
  })
  afterEach(printLogsOnFailure(() => [parley]))
  after(async () => {
    await Promise.all([parley?.close(), mastodon?.close()])
  })

  it('the WebFinger example has the fields and link relations served', async () => {
    const spec = example((e) => 'subject' in e, 'WebFinger')
    const real = (await (
      await fetch(`${parley.origin}/.well-known/webfinger?resource=acct:bob@${parley.host}`)
    ).json()) as Json
    assert.deepEqual(keys(spec), keys(real))
    const rels = (o: Json) => (o.links as { rel: string }[]).map((l) => l.rel)
    assert.deepEqual(rels(spec), rels(real))
  })

  it('the Person example has exactly the properties served', async () => {
    const spec = example((e) => e.type === 'Person', 'Person')
    const real = (await (
      await fetch(`${parley.origin}/users/bob`, { headers: { accept: 'application/activity+json' } })
    ).json()) as Json
    assert.deepEqual(keys(spec), keys(real))
    assert.deepEqual(keys(spec.publicKey), keys(real.publicKey))
    assert.equal((spec.assertionMethod as unknown[]).length, (real.assertionMethod as unknown[]).length)
  })

  it('the direct-message example is accepted as one, and the Accept example has the shape sent', async () => {
    const create = JSON.stringify(example((e) => e.type === 'Create', 'Create'))
      .replaceAll('https://talk.example', parley.origin)
      .replaceAll('talk.example', parley.host)
      .replaceAll('https://mastodon.example', mastodon.origin)
    assert.equal((await mastodon.deliver(`${parley.origin}/users/bob/inbox`, create)).status, 202)
    await eventually(
      async () => (await parley.store().inboundMessages.listForUser(bob.id)).length === 1,
      15_000,
      'the direct message',
    )

    assert.equal(
      (
        await mastodon.deliver(
          `${parley.origin}/users/bob/inbox`,
          mastodon.fixture('follow.json', { PARLEY: parley.origin, PARLEY_HOST: parley.host }),
        )
      ).status,
      202,
    )
    const accept = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Accept'),
      15_000,
      'the Accept',
    )
    const spec = example((e) => e.type === 'Accept', 'Accept')
    assert.deepEqual(keys(spec), keys(accept.json))
    assert.deepEqual(
      keys(spec.proof),
      keys(accept.json.proof).filter((k) => k !== '@context'),
    )
    assert.deepEqual(
      keys(spec.signature),
      keys(accept.json.signature).filter((k) => k !== '@context'),
    )
    assert.deepEqual(keys(spec.object), keys(accept.json.object))
  })

  it('the Group example has exactly the properties a public room serves, and the Announce example the shape sent', async () => {
    const alice = await parley.addUser('alice')
    const token = (await parley.services.accounts.createToken(alice.id, 'spec')).secret
    const api = (path: string, body: unknown) =>
      fetch(`${parley.origin}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const room = (await (
      await api('/api/v1/rooms', { kind: 'public', name: 'Town hall', description: 'Everyone welcome' })
    ).json()) as { id: string }
    const roomUri = `${parley.origin}/rooms/${room.id}`
    const spec = example((e) => e.type === 'Group', 'Group')
    const real = (await (await fetch(roomUri, { headers: { accept: 'application/activity+json' } })).json()) as Json
    assert.deepEqual(keys(spec), keys(real))
    assert.deepEqual(keys(spec.publicKey), keys(real.publicKey))
    assert.equal((spec.assertionMethod as unknown[]).length, (real.assertionMethod as unknown[]).length)

    const follow = mastodon
      .fixture('follow.json', { MASTODON: mastodon.origin, ID: 'follows/spec-room', PARLEY: parley.origin })
      .replace(`${parley.origin}/users/bob`, roomUri)
    assert.equal((await mastodon.deliver(`${roomUri}/inbox`, follow)).status, 202)
    await eventually(
      async () => (await parley.store().rooms.followers.count(room.id)) === 1,
      15_000,
      'the room follower',
    )
    assert.equal((await api(`/api/v1/rooms/${room.id}/announcements`, { text: 'Meeting on Friday' })).status, 201)
    const announce = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Announce'),
      15_000,
      'the Announce',
    )
    const specAnnounce = example((e) => e.type === 'Announce', 'Announce')
    assert.deepEqual(keys(specAnnounce), keys(announce.json))
    assert.deepEqual(keys(specAnnounce.object), keys(announce.json.object))
    assert.deepEqual(
      keys(specAnnounce.proof),
      keys(announce.json.proof).filter((k) => k !== '@context'),
    )
  })
  it('the room Delete example has the shape sent to a follower when the room is deleted', async () => {
    const owner = await parley.addUser('olga')
    const token = (await parley.services.accounts.createToken(owner.id, 'spec')).secret
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const room = (await (
      await fetch(`${parley.origin}/api/v1/rooms`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ kind: 'public', name: 'Gone soon' }),
      })
    ).json()) as { id: string }
    const roomUri = `${parley.origin}/rooms/${room.id}`
    const follow = mastodon
      .fixture('follow.json', { MASTODON: mastodon.origin, ID: 'follows/spec-room-delete', PARLEY: parley.origin })
      .replace(`${parley.origin}/users/bob`, roomUri)
    assert.equal((await mastodon.deliver(`${roomUri}/inbox`, follow)).status, 202)
    await eventually(
      async () => mastodon.deliveries.some((d) => d.json.type === 'Accept' && d.json.actor === roomUri),
      15_000,
      'the Accept',
    )
    const deleted = await fetch(`${parley.origin}/api/v1/rooms/${room.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.ok(deleted.ok, `status ${deleted.status}`)
    const sent = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Delete' && d.json.actor === roomUri),
      15_000,
      'the Delete',
    )
    const spec = example((e) => e.type === 'Delete', 'room Delete')
    assert.deepEqual(keys(spec), keys(sent.json))
    assert.equal(sent.json.object, roomUri)
    assert.deepEqual(
      keys(spec.proof),
      keys(sent.json.proof).filter((k) => k !== '@context'),
    )
  })

  it('the direct-message examples: a Like and an EmojiReact as received become reactions; the Create and EmojiReact sent have the shapes shown', async () => {
    // The Mastodon DM example above opened Bob's one-to-one room with the account.
    const token = (await parley.services.accounts.createToken(bob.id, 'spec-dm')).secret
    const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
      const res = await fetch(`${parley.origin}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${token}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      })
      return (await res.json()) as Json
    }
    const room = await eventually(
      async () => ((await api('/api/v1/rooms')).rooms as Json[]).find((r) => r.kind === 'one-to-one'),
      15_000,
      'the room',
    )
    const messages = async () =>
      ((await api(`/api/v1/rooms/${String(room.id)}/messages`)).messages as Json[]).filter((m) => m.kind === 'text')
    const [theirs] = await eventually(
      async () => ((await messages()).length === 1 ? messages() : null),
      15_000,
      'the DM',
    )
    await api(`/api/v1/rooms/${String(room.id)}/messages`, {
      method: 'POST',
      body: { body: 'Sure, 10:00?', replyTo: theirs?.seq },
    })
    const create = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Create'),
      15_000,
      'the Create',
    )
    const specCreate = example(
      (e) => e.type === 'Create' && e.actor === 'https://talk.example/users/bob',
      'sent Create',
    )
    assert.deepEqual(keys(specCreate), keys(create.json))
    assert.deepEqual(keys(specCreate.object), keys(create.json.object))
    const noteId = String((create.json.object as Json).id)

    const fill = (e: Json) =>
      JSON.stringify(e)
        .replaceAll('https://talk.example/users/bob/notes/0b7d2f0e-5f3a-4c1e-9d1a-2f8c6a1b9e40', noteId)
        .replaceAll('https://talk.example', parley.origin)
        .replaceAll('https://mastodon.example', mastodon.origin)
    assert.equal(
      (await mastodon.deliver(`${parley.origin}/users/bob/inbox`, fill(example((e) => e.type === 'Like', 'Like'))))
        .status,
      202,
    )
    assert.equal(
      (
        await mastodon.deliver(
          `${parley.origin}/users/bob/inbox`,
          fill(
            example(
              (e) => e.type === 'EmojiReact' && e.actor !== 'https://talk.example/users/bob',
              'received EmojiReact',
            ),
          ),
        )
      ).status,
      202,
    )
    const reacted = await eventually(
      async () => (await messages()).find((m) => (m.reactions as unknown[]).length === 2),
      15_000,
      'the reactions',
    )
    assert.deepEqual((reacted.reactions as Json[]).map((r) => r.emoji).sort(), ['👍', '🔥'].sort())

    await api(
      `/api/v1/rooms/${String(room.id)}/messages/${String(theirs?.seq)}/reactions/${encodeURIComponent('🎉')}`,
      { method: 'PUT' },
    )
    const sent = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'EmojiReact'),
      15_000,
      'the EmojiReact',
    )
    const specReact = example(
      (e) => e.type === 'EmojiReact' && e.actor === 'https://talk.example/users/bob',
      'sent EmojiReact',
    )
    assert.deepEqual(keys(specReact), keys(sent.json))
    assert.equal(sent.json.content, '🎉')
  })
})
