/**
 * The web client across two instances (HTTPS with the test's local CA, real ActivityPub between
 * them), in Debian's Chromium: Alice invites bob@B from her room's Invite tab on A; Bob sees the
 * invitation on B's Invitations screen, accepts it, and A shows him in the room. Bob then opens
 * A's room in his web client on B — an entry of his room list like any other, naming its host —
 * and chats in it: Alice sees his message on A and answers, Bob sees the answer, both through the
 * same chat screens as local rooms (B forwards Bob's writes to A, the host, and mirrors its events).
 * Bob sees a picture Alice shared on A in the room's Files tab on B, served from B's copy, and
 * the room's meetings in its Meetings tab, where he answers one and A hears his answer.
 * Then a one-to-one chat opened on A with @bob@B: on B it is a room in Bob's list like any other,
 * and both talk through the same chat screens. Last, Bob declines an invitation on the same
 * screen: A records the refusal and Bob never becomes a member.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { ParleyClient } from '@parley/client'
import { png } from '@parley/server/testing/files'
import { eventually, startInstance, type TestInstance } from '../harness/instance.ts'
import { assertAccessible, launchBrowser, screenshot, signIn } from './browser.ts'
import { ensureWebBuilt, WEB_DIST } from './serve.ts'
import { createRoom } from './people.ts'

async function personOn(
  browser: Browser,
  origin: string,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  // The instances' certificates come from the test's own CA, which Chromium does not know.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(origin + '/')
  return { context, page, errors }
}

describe('web client: people on two instances', () => {
  let a: TestInstance
  let b: TestInstance
  let browser: Browser
  let alice: { context: BrowserContext; page: Page; errors: string[] }
  let bob: { context: BrowserContext; page: Page; errors: string[] }
  let aliceId = ''

  before(async () => {
    await ensureWebBuilt()
    const env = { PARLEY_WEB_CLIENT_DIR: WEB_DIST, PARLEY_LOG_LEVEL: 'warn' }
    ;[a, b] = await Promise.all([startInstance({ env }), startInstance({ env })])
    const alice = await a.services.accounts.createUser({
      username: 'alice',
      displayName: 'Alice',
      password: 'alice password 1',
    })
    const bob = await b.services.accounts.createUser({
      username: 'bob',
      displayName: 'Bob B',
      password: 'bob password 12',
    })
    assert.ok(alice.ok && bob.ok)
    aliceId = alice.value.id
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await Promise.all([a?.close(), b?.close()])
  })

  it('invites from A, accepts on B through the Invitations screen, and A shows the new member', async () => {
    alice = await personOn(browser, a.origin)
    await signIn(alice.page, 'alice', 'alice password 1')
    await createRoom(alice.page, { name: 'Across' })
    await alice.page.getByRole('button', { name: 'Room details' }).click()
    const details = alice.page.getByRole('dialog', { name: 'Across' })
    await details.getByRole('tab', { name: 'Invite' }).click()
    await details.getByLabel('Find people (name or @name@server)').fill(`@bob@${b.host}`)
    await details.getByRole('button', { name: 'Invite' }).last().click()
    await details.getByRole('status').filter({ hasText: 'Invitation sent.' }).waitFor()
    await alice.page.keyboard.press('Escape')

    bob = await personOn(browser, b.origin)
    await signIn(bob.page, 'bob', 'bob password 12')
    await bob.page.getByRole('link', { name: 'Invitations' }).click()
    const card = bob.page.locator('.cards li', { hasText: `@alice@${a.host} invites you to Across` })
    await card.waitFor({ timeout: 20_000 })
    await assertAccessible(bob.page, 'invitations')
    await screenshot(bob.page, 'federation-invitation')
    await card.getByRole('button', { name: 'Accept' }).click()
    await card.waitFor({ state: 'detached' })

    await alice.page.getByRole('button', { name: 'Room details' }).click()
    await alice.page
      .getByRole('dialog', { name: 'Across' })
      .locator('li.participant', { hasText: 'Bob B' })
      .waitFor({ timeout: 20_000 })
    await screenshot(alice.page, 'federation-host-participants')
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })

  it("Bob chats in A's room from his web client on B, through the same screens as a local room", async () => {
    await alice.page.keyboard.press('Escape') // the room details of the first test
    // In Bob's room list on B, A's room is an entry like any other; it says where it is hosted.
    const entry = bob.page.locator('.sidebar a.room-item', { hasText: 'Across' })
    await entry.waitFor({ timeout: 20_000 })
    assert.match((await entry.textContent()) ?? '', new RegExp(`on ${a.host.replaceAll('.', '\\.')}`))
    await entry.click()
    await bob.page.getByRole('heading', { name: 'Across', level: 1 }).waitFor()

    const bobComposer = bob.page.getByRole('combobox', { name: 'Message Across' })
    await bobComposer.fill('Hello Across, Bob from B here')
    await bobComposer.press('Enter')
    // Alice, on the host, sees it as a message of Bob's (a remote participant of her room).
    const fromBob = alice.page.locator('li.message', { hasText: 'Hello Across, Bob from B here' })
    await fromBob.waitFor({ timeout: 20_000 })
    assert.match((await fromBob.textContent()) ?? '', /Bob B/)

    const aliceComposer = alice.page.getByRole('combobox', { name: 'Message Across' })
    await aliceComposer.fill('Welcome, Bob — answered on A')
    await aliceComposer.press('Enter')
    const answer = bob.page.locator('li.message', { hasText: 'Welcome, Bob — answered on A' })
    await answer.waitFor({ timeout: 20_000 })
    assert.match((await answer.textContent()) ?? '', /Alice/)
    // Bob's own message is in his timeline once, as the host ordered it (before Alice's answer).
    const texts = await bob.page.locator('li.message').allTextContents()
    const mine = texts.filter((t) => t.includes('Hello Across, Bob from B here'))
    assert.equal(mine.length, 1, `one copy of Bob's message on B: ${JSON.stringify(texts)}`)
    assert.ok(
      texts.findIndex((t) => t.includes('Bob from B')) < texts.findIndex((t) => t.includes('answered on A')),
      `host order on B: ${JSON.stringify(texts)}`,
    )
    await assertAccessible(bob.page, 'remote room chat')
    await screenshot(bob.page, 'federation-remote-room-chat')
    await screenshot(alice.page, 'federation-host-room-chat')
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })

  it("the room's Files tab on B lists a picture Alice shared on A, with its preview, and downloads the same bytes", async () => {
    const aliceApi = new ParleyClient({
      baseUrl: a.origin,
      auth: { token: (await a.services.accounts.createToken(aliceId, 'files')).secret },
    })
    const [room] = (await aliceApi.rooms()).rooms.filter((r) => r.name === 'Across')
    assert.ok(room)
    const picture = await png(400, 300)
    await aliceApi.files.upload(room.id, picture, { name: 'plan.png', type: 'image/png' })

    await bob.page.getByRole('link', { name: /^Across/ }).click()
    await bob.page.getByRole('heading', { name: 'Across', level: 1 }).waitFor()
    await bob.page.getByRole('button', { name: 'Room details' }).click()
    const details = bob.page.getByRole('dialog', { name: 'Across' })
    await details.getByRole('tab', { name: 'Files' }).click()
    const item = details.locator('li.shared-file', { hasText: 'plan.png' })
    await item.getByText(/shared by Alice/).waitFor({ timeout: 20_000 })
    const preview = item.getByRole('img', { name: 'Image plan.png; open it full size' })
    await bob.page.waitForFunction(
      (img) => {
        const image = img as unknown as { complete: boolean; naturalWidth: number }
        return image.complete && image.naturalWidth > 0
      },
      await preview.elementHandle(),
    )
    const href = await item.getByRole('link', { name: /^Download plan\.png/ }).getAttribute('href')
    assert.ok(href?.startsWith('/api/v1/rooms/'), `B serves its copy: ${String(href)}`)
    const downloaded = await bob.page.request.get(new URL(String(href), b.origin).href)
    assert.equal(downloaded.status(), 200)
    const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')
    assert.equal(sha(await downloaded.body()), sha(picture))
    await bob.page.keyboard.press('Escape')
    assert.deepEqual(bob.errors, [])
  })

  it("Bob sees the meetings of A's room in its Meetings tab on B and answers one; A hears his answer", async () => {
    const aliceApi = new ParleyClient({
      baseUrl: a.origin,
      auth: { token: (await a.services.accounts.createToken(aliceId, 'meetings')).secret },
    })
    const [room] = (await aliceApi.rooms()).rooms.filter((r) => r.name === 'Across')
    assert.ok(room)
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', dateStyle: 'short' }).format(
      new Date(Date.now() + 2 * 86400_000),
    )
    const meeting = await aliceApi.meetings.schedule(room.id, {
      title: 'Across review',
      start: `${day}T10:00`,
      end: `${day}T11:00`,
      timeZone: 'Europe/Berlin',
    })

    await bob.page.getByRole('link', { name: /^Across/ }).click()
    await bob.page.getByRole('button', { name: 'Room details' }).click()
    const details = bob.page.getByRole('dialog', { name: 'Across' })
    await details.getByRole('tab', { name: 'Meetings' }).click()
    // The copy reaches B through federation: reopen the tab until it is there.
    const item = details.locator('ul.meetings li', { hasText: 'Across review' })
    await eventually(
      async () => {
        if ((await item.count()) > 0) return true
        await details.getByRole('tab', { name: 'Files' }).click()
        await details.getByRole('tab', { name: 'Meetings' }).click()
        return (await item.count()) > 0
      },
      20_000,
      'the meeting on B',
    )
    // Scheduling and editing stay on the host: no schedule form, no edit buttons on B.
    assert.equal(await details.getByRole('button', { name: 'Schedule' }).count(), 0)
    await item.getByRole('button', { name: 'Going', exact: true }).click()
    await item.getByRole('button', { name: 'Going', exact: true, pressed: true }).waitFor()
    await assertAccessible(bob.page, 'meetings of a room hosted elsewhere')
    const [occurrence] = await aliceApi.meetings.upcoming({ roomId: room.id })
    assert.ok(occurrence)
    await eventually(
      async () =>
        (await aliceApi.meetings.rsvps(room.id, meeting.id, occurrence.occurrence)).some(
          (r) => r.actorId === `${b.origin}/users/bob` && r.response === 'going',
        ),
      20_000,
      "Bob's answer on A",
    )
    await bob.page.keyboard.press('Escape')
    assert.deepEqual(bob.errors, [])
  })

  it('a one-to-one chat with @bob@B from the New chat dialog: both talk through the same screens', async () => {
    await alice.page.keyboard.press('Escape') // the room details of the first test
    await alice.page.getByRole('button', { name: 'New chat' }).click()
    const dialog = alice.page.getByRole('dialog', { name: 'Start a one-to-one chat' })
    await dialog.getByLabel('Find people (name or @name@server)').fill(`@bob@${b.host}`)
    await dialog.getByRole('button', { name: 'Start chat' }).click()
    await alice.page.getByRole('heading', { name: 'Bob B', level: 1 }).waitFor()
    const composer = alice.page.getByRole('combobox', { name: 'Message Bob B' })
    await composer.fill('Hi Bob, directly')
    await composer.press('Enter')

    // On B the conversation is a room in Bob's list like any other, with the message as its preview.
    const entry = bob.page.getByRole('link', { name: /Alice.*Hi Bob, directly/ })
    await entry.waitFor({ timeout: 20_000 })
    await entry.click()
    await bob.page.locator('li.message', { hasText: 'Hi Bob, directly' }).waitFor()
    const reply = bob.page.getByRole('combobox', { name: /^Message / })
    await reply.fill('Hello Alice, from B')
    await reply.press('Enter')
    await alice.page.locator('li.message', { hasText: 'Hello Alice, from B' }).waitFor({ timeout: 20_000 })
    await screenshot(bob.page, 'federation-direct-chat')
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })

  it('Bob declines an invitation on the Invitations screen: A records the refusal, he joins nothing', async () => {
    const roomId = await createRoom(alice.page, { name: 'Not for Bob' })
    await alice.page.getByRole('button', { name: 'Room details' }).click()
    const details = alice.page.getByRole('dialog', { name: 'Not for Bob' })
    await details.getByRole('tab', { name: 'Invite' }).click()
    await details.getByLabel('Find people (name or @name@server)').fill(`@bob@${b.host}`)
    await details.getByRole('button', { name: 'Invite' }).last().click()
    await details.getByRole('status').filter({ hasText: 'Invitation sent.' }).waitFor()
    await alice.page.keyboard.press('Escape')
    const [invite] = await a.store().rooms.invites.pendingFor(roomId)
    assert.ok(invite, 'the invitation is pending on A')

    await bob.page.getByRole('link', { name: 'Invitations' }).click()
    const card = bob.page.locator('.cards li', { hasText: `@alice@${a.host} invites you to Not for Bob` })
    await card.waitFor({ timeout: 20_000 })
    await card.getByRole('button', { name: 'Decline' }).click()
    await card.waitFor({ state: 'detached' })
    await bob.page.getByText('No invitations.').waitFor()

    // The Reject reached the host: the invitation is answered there, and Bob is no participant.
    await eventually(
      async () => (await a.store().rooms.invites.get(invite.inviteId))?.state === 'rejected',
      20_000,
      'the Reject on A',
    )
    assert.equal(await a.services.store.participants.get(roomId, `${b.origin}/users/bob`), null)
    await bob.page.reload()
    await bob.page.locator('.sidebar a.room-item', { hasText: 'Across' }).waitFor()
    assert.equal(await bob.page.locator('.sidebar a.room-item', { hasText: 'Not for Bob' }).count(), 0)
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })
})
