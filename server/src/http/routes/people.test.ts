import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import sharp from 'sharp'
import { asSession, createUser, login, startTestApp, type SignedIn, type TestApp } from '../../testing/test-app.ts'
import { png, pngBomb } from '../../testing/files.ts'

/**
 * The store's rows except those written in the background: a new room's and user's key pairs are
 * made asynchronously after creation, and logins add sessions.
 */
function settled(snapshot: Record<string, string[]>, ...also: string[]): Record<string, string[]> {
  const skip = new Set(['federation_room_keys', 'actor_keys', ...also])
  return Object.fromEntries(Object.entries(snapshot).filter(([table]) => !skip.has(table)))
}

describe('GET /api/v1/users (the user directory)', () => {
  let t: TestApp
  let alice: SignedIn
  beforeEach(async () => {
    t = await startTestApp()
    await createUser(t, 'alice')
    for (const [name, display] of [
      ['albert', 'Albert Smith'],
      ['bob', 'Bob Alvarez'],
      ['carol', 'Carol'],
      ['dave', 'Dave'],
      ['al_100', 'Percent 100%'],
    ] as const) {
      const id = await createUser(t, name)
      await t.store.users.update(id, { displayName: display })
    }
    alice = await login(t, 'alice')
  })
  afterEach(() => t.close())

  const search = (query: string, headers: Record<string, string> = asSession(alice)) =>
    t.app.inject({ url: `/api/v1/users${query}`, headers })
  const names = (body: { users: { username: string }[] }) => body.users.map((u) => u.username)

  it('finds people by username or by any word of the display name, any case, in username order', async () => {
    const found = await search('?q=AL')
    assert.equal(found.statusCode, 200)
    // alice, albert, al_100 by username; bob by "Alvarez".
    assert.deepEqual(names(found.json()), ['al_100', 'albert', 'alice', 'bob'])
    const bob = found.json().users.find((u: { username: string }) => u.username === 'bob')
    assert.deepEqual(bob, {
      id: bob.id,
      username: 'bob',
      displayName: 'Bob Alvarez',
      role: 'user',
      avatarUrl: null,
      handle: `@bob@${new URL(t.config.publicOrigin).host}`,
    })
    assert.deepEqual(names((await search('?q=smi')).json()), ['albert'])
    // LIKE wildcards in the query are text, not patterns.
    assert.deepEqual(names((await search('?q=%25')).json()), [])
    assert.deepEqual(names((await search('?q=al_')).json()), ['al_100'])
  })

  it('pages with next/after until the last page, whose next is null', async () => {
    const seen: string[] = []
    let after: string | null = null
    for (let page = 0; page < 10; page++) {
      const reply = await search(`?limit=2${after ? `&after=${after}` : ''}`)
      assert.equal(reply.statusCode, 200)
      const body = reply.json() as { users: { username: string }[]; next: string | null }
      assert.ok(body.users.length <= 2)
      seen.push(...names(body))
      after = body.next
      if (!after) break
    }
    assert.deepEqual(seen, ['al_100', 'albert', 'alice', 'bob', 'carol', 'dave'])
  })

  it('leaves out accounts an admin hid, disabled and deleted ones; showing brings them back', async () => {
    await createUser(t, 'root', 'admin')
    const root = await login(t, 'root')
    const hide = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/users/carol/hide',
      headers: asSession(root),
    })
    assert.equal(hide.statusCode, 200)
    assert.equal(hide.json().hidden, true)
    await t.accounts.setDisabled('dave', true)
    assert.deepEqual(names((await search('?q=')).json()), ['al_100', 'albert', 'alice', 'bob', 'root'])
    // A hidden account is still reachable by name: hiding is about being found, not about existing.
    const byName = await t.app.inject({
      method: 'POST',
      url: '/api/v1/rooms/one-to-one',
      headers: asSession(alice),
      payload: { user: 'carol' },
    })
    assert.equal(byName.statusCode, 201)
    const notAdmin = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/users/bob/hide',
      headers: asSession(alice),
    })
    assert.equal(notAdmin.json().error.code, 'forbidden')
    await t.app.inject({ method: 'POST', url: '/api/v1/admin/users/carol/show', headers: asSession(root) })
    assert.ok(names((await search('?q=car')).json()).includes('carol'))
  })

  it('refuses guests (guest-not-allowed), the signed-out (unauthenticated) and bad queries, changing nothing', async () => {
    const room = await t.app.inject({
      method: 'POST',
      url: '/api/v1/rooms',
      headers: asSession(alice),
      payload: { kind: 'public', name: 'Open' },
    })
    const guest = await t.app.inject({
      method: 'POST',
      url: `/api/v1/rooms/${room.json().id}/guests`,
      payload: { displayName: 'Vera' },
    })
    const before = settled(t.snapshot())
    const asGuest = await search('?q=a', { authorization: `Guest ${guest.json().secret}` })
    assert.equal(asGuest.statusCode, 403)
    assert.equal(asGuest.json().error.code, 'guest-not-allowed')
    assert.equal((await search('?q=a', {})).json().error.code, 'unauthenticated')
    for (const query of ['?limit=0', '?limit=51', `?q=${'x'.repeat(101)}`, '?sort=name']) {
      const reply = await search(query)
      assert.equal(reply.statusCode, 400, query)
      assert.equal(reply.json().error.code, 'validation-failed')
    }
    assert.deepEqual(settled(t.snapshot()), before)
  })
})

describe('endpoints that take a person accept a username or a handle', () => {
  let t: TestApp
  let alice: SignedIn
  let bobId: string
  let host: string
  beforeEach(async () => {
    t = await startTestApp()
    await createUser(t, 'alice')
    bobId = await createUser(t, 'bob')
    alice = await login(t, 'alice')
    host = new URL(t.config.publicOrigin).host
  })
  afterEach(() => t.close())

  const group = async () =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/rooms',
        headers: asSession(alice),
        payload: { kind: 'group', name: 'Team' },
      })
    ).json().id as string

  it('POST /participants adds bob named as bob, @bob or @bob@this-host, resolved locally', async () => {
    for (const user of ['bob', '@bob', `@bob@${host.toUpperCase()}`]) {
      const roomId = await group()
      const added = await t.app.inject({
        method: 'POST',
        url: `/api/v1/rooms/${roomId}/participants`,
        headers: asSession(alice),
        payload: { user },
      })
      assert.equal(added.statusCode, 201, `${user}: ${added.body}`)
      assert.equal(added.json().actorId, bobId)
    }
    // No fetch was made: nothing about WebFinger or the federation in the logs.
    assert.ok(!t.logs.some((line) => /webfinger/i.test(line)))
  })

  it('POST /rooms/one-to-one opens the room with @bob@this-host without a network lookup', async () => {
    const byHandle = await t.app.inject({
      method: 'POST',
      url: '/api/v1/rooms/one-to-one',
      headers: asSession(alice),
      payload: { handle: `@bob@${host}` },
    })
    assert.equal(byHandle.statusCode, 201, byHandle.body)
    const byName = await t.app.inject({
      method: 'POST',
      url: '/api/v1/rooms/one-to-one',
      headers: asSession(alice),
      payload: { user: 'bob' },
    })
    assert.equal(byName.statusCode, 200)
    assert.equal(byName.json().id, byHandle.json().id)
  })

  it('refuses unknown people, handles of other instances and callers who may not add, changing nothing', async () => {
    const roomId = await group()
    const before = t.snapshot()
    const add = (user: string, headers = asSession(alice)) =>
      t.app.inject({ method: 'POST', url: `/api/v1/rooms/${roomId}/participants`, headers, payload: { user } })
    assert.equal((await add('nobody')).json().error.code, 'user-not-found')
    assert.equal((await add('@bob@elsewhere.example')).json().error.code, 'person-not-local')
    assert.equal((await add('@@bob')).json().error.code, 'user-not-found')
    const both = await t.app.inject({
      method: 'POST',
      url: `/api/v1/rooms/${roomId}/participants`,
      headers: asSession(alice),
      payload: { user: 'bob', userId: bobId },
    })
    assert.equal(both.json().error.code, 'validation-failed')
    // Bob is not in the room: he learns nothing about which names exist.
    const bob = await login(t, 'bob')
    assert.equal((await add('nobody', asSession(bob))).json().error.code, 'room-not-found')
    assert.deepEqual(settled(t.snapshot(), 'sessions'), settled(before, 'sessions'))
  })
})

describe('/api/v1/me/password and /api/v1/me/sessions', () => {
  let t: TestApp
  beforeEach(async () => {
    t = await startTestApp()
    await createUser(t, 'alice')
  })
  afterEach(() => t.close())

  const change = (s: SignedIn | { authorization: string }, payload: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: 'cookie' in s ? asSession(s) : s,
      payload,
    })

  it('changes the password with the current one; old sessions stay unless signOutOthers', async () => {
    const laptop = await login(t, 'alice')
    const phone = await login(t, 'alice')
    const changed = await change(laptop, { currentPassword: 'correct horse battery', newPassword: 'a new passphrase' })
    assert.equal(changed.statusCode, 204)
    assert.equal((await t.app.inject({ url: '/api/v1/me', headers: { cookie: phone.cookie } })).statusCode, 200)
    await login(t, 'alice', 'a new passphrase')
    const old = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'alice', password: 'correct horse battery' },
    })
    assert.equal(old.json().error.code, 'invalid-credentials')
  })

  it('signOutOthers ends every other session and revokes every token but the caller', async () => {
    const laptop = await login(t, 'alice')
    const phone = await login(t, 'alice')
    const aliceId = laptop.userId
    const { secret: ci } = await t.accounts.createToken(aliceId, 'ci')
    const { secret: script } = await t.accounts.createToken(aliceId, 'script')
    const changed = await change(
      { authorization: `Bearer ${script}` },
      { currentPassword: 'correct horse battery', newPassword: 'a new passphrase', signOutOthers: true },
    )
    assert.equal(changed.statusCode, 204, changed.body)
    for (const s of [laptop, phone]) {
      const me = await t.app.inject({ url: '/api/v1/me', headers: { cookie: s.cookie } })
      assert.equal(me.json().error.code, 'session-expired')
    }
    const revoked = await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${ci}` } })
    assert.equal(revoked.json().error.code, 'token-revoked')
    const kept = await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${script}` } })
    assert.equal(kept.statusCode, 200)

    // From a browser session, that session stays.
    const browser = await login(t, 'alice', 'a new passphrase')
    const other = await login(t, 'alice', 'a new passphrase')
    await change(browser, {
      currentPassword: 'a new passphrase',
      newPassword: 'a third passphrase',
      signOutOthers: true,
    })
    assert.equal((await t.app.inject({ url: '/api/v1/me', headers: { cookie: browser.cookie } })).statusCode, 200)
    assert.equal((await t.app.inject({ url: '/api/v1/me', headers: { cookie: other.cookie } })).statusCode, 401)
  })

  it('refuses a wrong current password (current-password-wrong), a short new one and a missing CSRF token, changing nothing', async () => {
    const laptop = await login(t, 'alice')
    const other = await login(t, 'alice')
    const before = t.snapshot()
    const wrong = await change(laptop, {
      currentPassword: 'not my password',
      newPassword: 'a new passphrase',
      signOutOthers: true,
    })
    assert.equal(wrong.statusCode, 403)
    assert.equal(wrong.json().error.code, 'current-password-wrong')
    const short = await change(laptop, { currentPassword: 'correct horse battery', newPassword: 'short' })
    assert.equal(short.json().error.code, 'validation-failed')
    const noCsrf = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: { cookie: laptop.cookie },
      payload: { currentPassword: 'correct horse battery', newPassword: 'a new passphrase' },
    })
    assert.equal(noCsrf.json().error.code, 'csrf-failed')
    assert.deepEqual(t.snapshot(), before)
    assert.equal((await t.app.inject({ url: '/api/v1/me', headers: { cookie: other.cookie } })).statusCode, 200)
  })

  it('guessing the current password is limited like logins: past the limit even the right one is refused (rate-limited)', async () => {
    await t.close()
    t = await startTestApp({ PARLEY_LOGIN_ATTEMPTS_PER_ACCOUNT: '3' })
    await createUser(t, 'alice')
    const laptop = await login(t, 'alice')
    const codes: string[] = []
    for (let i = 0; i < 3; i++)
      codes.push(
        (await change(laptop, { currentPassword: `guess ${i}`, newPassword: 'a new passphrase' })).json().error.code,
      )
    assert.deepEqual(codes, ['current-password-wrong', 'current-password-wrong', 'current-password-wrong'])
    const right = await change(laptop, { currentPassword: 'correct horse battery', newPassword: 'a new passphrase' })
    assert.equal(right.statusCode, 429)
    assert.equal(right.json().error.code, 'rate-limited')
    assert.ok(Number(right.headers['retry-after']) > 0)
  })

  it('lists my sessions (the current one marked, with its browser) and revokes one of them', async () => {
    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'user-agent': 'Firefox on the laptop' },
      payload: { username: 'alice', password: 'correct horse battery' },
    })
    const laptop = { cookie: first.cookies.map((c) => `${c.name}=${c.value}`).join('; '), csrf: first.json().csrfToken }
    t.clock.now += 1000
    const phone = await login(t, 'alice')
    const list = await t.app.inject({ url: '/api/v1/me/sessions', headers: { cookie: phone.cookie } })
    assert.equal(list.statusCode, 200)
    const sessions = list.json().sessions as { id: string; current: boolean; userAgent: string | null }[]
    assert.equal(sessions.length, 2)
    assert.deepEqual(
      sessions.map((s) => [s.userAgent, s.current]),
      [
        ['Firefox on the laptop', false],
        ['lightMyRequest', true],
      ],
    )
    assert.ok(!list.body.includes(laptop.cookie.split('=')[1] as string), 'no secret in the list')
    const laptopId = sessions[0]?.id as string
    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/sessions/${laptopId}`,
      headers: asSession({ ...phone }),
    })
    assert.equal(revoked.statusCode, 204)
    assert.equal((await t.app.inject({ url: '/api/v1/me', headers: { cookie: laptop.cookie } })).statusCode, 401)
    assert.equal((await t.app.inject({ url: '/api/v1/me', headers: { cookie: phone.cookie } })).statusCode, 200)
  })

  it("refuses revoking an unknown or someone else's session (not-found), changing nothing", async () => {
    await createUser(t, 'bob')
    const bob = await login(t, 'bob')
    const alice = await login(t, 'alice')
    const bobsId = (await t.app.inject({ url: '/api/v1/me/sessions', headers: { cookie: bob.cookie } })).json()
      .sessions[0].id as string
    const before = t.snapshot()
    for (const id of [bobsId, 'nonexistent']) {
      const reply = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/me/sessions/${id}`,
        headers: asSession(alice),
      })
      assert.equal(reply.statusCode, 404)
      assert.equal(reply.json().error.code, 'not-found')
    }
    assert.deepEqual(t.snapshot(), before)
  })
})

describe('/api/v1/me/avatar', () => {
  let t: TestApp
  let alice: SignedIn
  beforeEach(async () => {
    t = await startTestApp()
    await createUser(t, 'alice')
    alice = await login(t, 'alice')
  })
  afterEach(() => t.close())

  const upload = (body: Buffer, type = 'image/png', headers: Record<string, string> = asSession(alice)) =>
    t.app.inject({
      method: 'PUT',
      url: '/api/v1/me/avatar',
      headers: { ...headers, 'content-type': type },
      payload: body,
    })

  it('stores the image as a 256-pixel WebP square, served with caching; the profile and actor icon follow', async () => {
    const uploaded = await upload(await png(640, 480))
    assert.equal(uploaded.statusCode, 200, uploaded.body)
    const avatarUrl = uploaded.json().avatarUrl as string
    assert.match(avatarUrl, new RegExp(`^/api/v1/users/${alice.userId}/avatar\\?v=[A-Za-z0-9_-]+$`))
    assert.equal(
      (await t.app.inject({ url: '/api/v1/me', headers: { cookie: alice.cookie } })).json().avatarUrl,
      avatarUrl,
    )

    const served = await t.app.inject({ url: avatarUrl })
    assert.equal(served.statusCode, 200)
    assert.equal(served.headers['content-type'], 'image/webp')
    assert.equal(served.headers['cache-control'], 'public, max-age=31536000, immutable')
    assert.equal(served.headers['x-content-type-options'], 'nosniff')
    const meta = await sharp(served.rawPayload).metadata()
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 256, 256])
    const unversioned = await t.app.inject({ url: `/api/v1/users/${alice.userId}/avatar` })
    assert.equal(unversioned.headers['cache-control'], 'public, max-age=300')
    const revalidated = await t.app.inject({
      url: `/api/v1/users/${alice.userId}/avatar`,
      headers: { 'if-none-match': String(served.headers.etag) },
    })
    assert.equal(revalidated.statusCode, 304)

    const actor = await t.app.inject({ url: '/users/alice', headers: { accept: 'application/activity+json' } })
    assert.equal(actor.statusCode, 200)
    const icon = actor.json().icon as { url: string; mediaType: string }
    assert.equal(icon.url, new URL(avatarUrl, t.config.publicOrigin).href)
    assert.equal(icon.mediaType, 'image/webp')

    const removed = await t.app.inject({ method: 'DELETE', url: '/api/v1/me/avatar', headers: asSession(alice) })
    assert.equal(removed.json().avatarUrl, null)
    assert.equal((await t.app.inject({ url: avatarUrl })).json().error.code, 'not-found')
    const after = await t.app.inject({ url: '/users/alice', headers: { accept: 'application/activity+json' } })
    assert.equal(after.json().icon, undefined)
  })

  it('refuses an oversize image, a non-image, a bomb, a wrong type and the signed-out, changing nothing', async () => {
    const before = t.snapshot()
    const big = await upload(Buffer.alloc(2 * 1024 * 1024 + 1, 1))
    assert.equal(big.statusCode, 413)
    assert.equal(big.json().error.code, 'avatar-too-large')
    const garbage = await upload(Buffer.from('this is not an image at all'))
    assert.equal(garbage.statusCode, 422)
    assert.equal(garbage.json().error.code, 'image-invalid')
    const bomb = await upload(pngBomb())
    assert.equal(bomb.json().error.code, 'image-too-large')
    const text = await upload(Buffer.from('hello'), 'text/html')
    assert.equal(text.statusCode, 415)
    assert.equal(text.json().error.code, 'unsupported-media-type')
    const empty = await upload(Buffer.alloc(0))
    assert.equal(empty.json().error.code, 'image-invalid')
    // JSON is not an image either, with a body or without one (the JSON parser must not get it first).
    for (const body of [Buffer.from('{}'), Buffer.alloc(0)]) {
      const json = await upload(body, 'application/json')
      assert.equal(json.statusCode, 415, `application/json, ${body.length} bytes`)
      assert.equal(json.json().error.code, 'unsupported-media-type')
    }
    const anonymous = await upload(await png(), 'image/png', {})
    assert.equal(anonymous.json().error.code, 'unauthenticated')
    assert.deepEqual(t.snapshot(), before)
  })
})

describe('/api/v1/me/status', () => {
  let t: TestApp
  let alice: SignedIn
  beforeEach(async () => {
    t = await startTestApp()
    await createUser(t, 'alice')
    alice = await login(t, 'alice')
  })
  afterEach(() => t.close())

  it('keeps a status until it expires, then reads as online with no message', async () => {
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/me/status',
      headers: asSession(alice),
      payload: { availability: 'away', message: 'Lunch', expiresInSeconds: 60 },
    })
    assert.equal(put.statusCode, 200)
    assert.deepEqual(put.json(), {
      availability: 'away',
      message: 'Lunch',
      expiresAt: new Date(t.clock.now + 60_000).toISOString(),
    })
    const read = () => t.app.inject({ url: '/api/v1/me/status', headers: { cookie: alice.cookie } })
    assert.equal((await read()).json().message, 'Lunch')
    t.clock.now += 61_000
    assert.deepEqual((await read()).json(), { availability: 'online', message: null, expiresAt: null })
  })
})
