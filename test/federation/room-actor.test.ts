import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'

const AP = 'application/activity+json'
type Json = Record<string, unknown>

async function getJson(url: string): Promise<{ status: number; json: Json }> {
  const res = await fetch(url, { headers: { accept: AP } })
  return { status: res.status, json: res.status === 200 ? ((await res.json()) as Json) : {} }
}

describe('Rooms as Group actors (FEP-1b12): followed from Mastodon and from another Parley, public posts as boosts', () => {
  let a: TestInstance
  let b: TestInstance
  let mastodon: FakeMastodon
  let token: string
  let publicRoom: string
  let groupRoom: string
  let roomUri: string
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${a.origin}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    })

  before(async () => {
    ;[a, b, mastodon] = await Promise.all([startInstance(), startInstance(), startFakeMastodon()])
    const alice = await a.addUser('alice')
    await b.addUser('bob')
    token = (await a.services.accounts.createToken(alice.id, 'test')).secret
    const created = await api('/api/v1/rooms', {
      method: 'POST',
      body: JSON.stringify({ kind: 'public', name: 'Town hall', description: 'Everyone <welcome>' }),
    })
    assert.equal(created.status, 201)
    publicRoom = ((await created.json()) as { id: string }).id
    const group = await api('/api/v1/rooms', { method: 'POST', body: JSON.stringify({ kind: 'group', name: 'Staff' }) })
    groupRoom = ((await group.json()) as { id: string }).id
    roomUri = `${a.origin}/rooms/${publicRoom}`
  })
  afterEach(printLogsOnFailure(() => [a, b]))
  after(async () => {
    await Promise.all([a?.close(), b?.close(), mastodon?.close()])
  })

  it('a new room gets its RSA and Ed25519 key pairs at creation, before anyone asks for them', async () => {
    const keys = await eventually(
      async () => {
        const list = await a.store().rooms.keys.list(publicRoom)
        return list.length === 2 ? list : null
      },
      10_000,
      'the room key pairs',
    )
    assert.deepEqual(
      keys.map((k) => k.algorithm),
      ['rsa', 'ed25519'],
    )
  })

  it('GET /rooms/{id} serves the Group with keys, inbox, outbox and followers; WebFinger finds public rooms only', async () => {
    const { status, json: group } = await getJson(roomUri)
    assert.equal(status, 200)
    assert.equal(group.type, 'Group')
    assert.equal(group.id, roomUri)
    assert.equal(group.name, 'Town hall')
    assert.equal(group.summary, '<p>Everyone &lt;welcome&gt;</p>')
    assert.equal(group.preferredUsername, publicRoom)
    assert.equal(group.inbox, `${roomUri}/inbox`)
    assert.equal(group.outbox, `${roomUri}/outbox`)
    assert.equal(group.followers, `${roomUri}/followers`)
    assert.equal((group.publicKey as Json).id, `${roomUri}#main-key`)
    assert.equal((group.publicKey as Json).owner, roomUri)
    assert.equal((group.assertionMethod as unknown[]).length, 2)
    assert.equal(group.manuallyApprovesFollowers, false)

    const finger = await fetch(`${a.origin}/.well-known/webfinger?resource=acct:${publicRoom}@${a.host}`)
    assert.equal(finger.status, 200)
    const jrd = (await finger.json()) as { links: { rel: string; href: string }[] }
    assert.equal(jrd.links.find((l) => l.rel === 'self')?.href, roomUri)
    assert.equal(
      (await fetch(`${a.origin}/.well-known/webfinger?resource=acct:${groupRoom}@${a.host}`)).status,
      404,
      'group rooms are not discoverable',
    )
    assert.equal(
      (await fetch(`${a.origin}/.well-known/webfinger?resource=acct:alice@${a.host}`)).status,
      200,
      'users still are',
    )
    assert.equal((await getJson(`${a.origin}/rooms/${groupRoom}`)).json.manuallyApprovesFollowers, true)
    assert.equal((await getJson(`${a.origin}/rooms/00000000-0000-4000-8000-000000000000`)).status, 404)
  })

  it('Mastodon follows the public room: signed Accept from the room, followers counted; the room posts, Mastodon gets an Announce (a boost) of a fetchable Note; Undo unfollows', async () => {
    const follow = mastodon
      .fixture('follow.json', { MASTODON: mastodon.origin, ID: 'follows/room-1', PARLEY: a.origin })
      .replace(`${a.origin}/users/bob`, roomUri)
    assert.equal((await mastodon.deliver(`${roomUri}/inbox`, follow)).status, 202)
    const accept = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Accept' && d.json.actor === roomUri),
      15_000,
      'the Accept',
    )
    assert.equal(accept.signatureVerified, true)
    assert.equal((accept.json.object as Json).id, `${mastodon.origin}/follows/room-1`)
    assert.equal(await a.store().rooms.followers.count(publicRoom), 1)
    assert.equal((await getJson(`${roomUri}/followers`)).json.totalItems, 1)

    const posted = await api(`/api/v1/rooms/${publicRoom}/announcements`, {
      method: 'POST',
      body: JSON.stringify({ text: 'Meeting on Friday <3' }),
    })
    assert.equal(posted.status, 201)
    const view = (await posted.json()) as { postId: string; noteId: string; recipients: number }
    assert.equal(view.recipients, 1)
    assert.equal(view.noteId, `${roomUri}/posts/${view.postId}`)
    const announce = await eventually(
      async () => mastodon.deliveries.find((d) => d.json.type === 'Announce'),
      15_000,
      'the Announce',
    )
    assert.equal(announce.signatureVerified, true)
    assert.equal(announce.json.actor, roomUri)
    assert.equal(announce.path, '/inbox', 'delivered to the shared inbox')
    const embedded = announce.json.object as Json
    assert.equal(embedded.id, view.noteId)
    assert.equal(embedded.attributedTo, roomUri)
    assert.equal(announce.json.to, 'https://www.w3.org/ns/activitystreams#Public')

    const note = await getJson(view.noteId)
    assert.equal(note.status, 200)
    assert.equal(note.json.type, 'Note')
    assert.equal(note.json.content, '<p>Meeting on Friday &lt;3</p>')
    const outbox = await getJson(`${roomUri}/outbox`)
    assert.equal(outbox.json.totalItems, 1)

    const undo = mastodon
      .fixture('undo-follow.json', { MASTODON: mastodon.origin, ID: 'follows/room-1', PARLEY: a.origin })
      .replace(`${a.origin}/users/bob`, roomUri)
    assert.equal((await mastodon.deliver(`${roomUri}/inbox`, undo)).status, 202)
    await eventually(async () => (await a.store().rooms.followers.count(publicRoom)) === 0, 15_000, 'the Undo')
    assert.equal((await getJson(`${roomUri}/followers`)).json.totalItems, 0)
  })

  it('announcements: only public rooms post, only their moderators', async () => {
    const group = await api(`/api/v1/rooms/${groupRoom}/announcements`, {
      method: 'POST',
      body: JSON.stringify({ text: 'hi' }),
    })
    assert.equal(group.status, 409)
    assert.equal(((await group.json()) as { error: { code: string } }).error.code, 'room-not-public')
    const carol = await a.addUser('carol')
    const carolToken = (await a.services.accounts.createToken(carol.id, 'test')).secret
    const res = await fetch(`${a.origin}/api/v1/rooms/${publicRoom}/announcements`, {
      method: 'POST',
      headers: { authorization: `Bearer ${carolToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi' }),
    })
    assert.ok(res.status === 403 || res.status === 404, `status ${res.status}`)
    assert.equal(await a.store().rooms.posts.count(publicRoom), 1, 'nothing posted')
  })

  it('a user of another Parley follows the public room by handle (accepted); a group room rejects the follow', async () => {
    const sent = await b.services.federation.federation.follow('bob', `@${publicRoom}@${a.host}`)
    assert.ok(sent.ok, JSON.stringify(sent))
    assert.equal(sent.value.actorId, roomUri)
    const bobId = (await b.services.store.users.byUsername('bob'))?.id ?? ''
    await eventually(
      async () => (await b.store().following.get(bobId, roomUri))?.state === 'accepted',
      15_000,
      'the Accept on B',
    )
    assert.equal(await a.store().rooms.followers.count(publicRoom), 1)

    const groupUri = `${a.origin}/rooms/${groupRoom}`
    const refused = await b.services.federation.federation.follow('bob', groupUri)
    assert.ok(refused.ok)
    await eventually(async () => (await b.store().following.get(bobId, groupUri)) === null, 15_000, 'the Reject on B')
    assert.equal(await a.store().rooms.followers.count(groupRoom), 0)
  })
})
