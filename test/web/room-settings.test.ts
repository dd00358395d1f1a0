/**
 * A room's settings in the web client, in Debian's Chromium against a real `parley serve`, each
 * change checked where it takes effect: read-only takes Bob's composer away with the reason in
 * words (and the server refuses his posts), and gives it back; a password and the lobby set on the
 * Settings tab meet a guest at the room's link (wrong password refused, then the lobby), and the
 * password removed lets the next guest in without one; who finds the room in the directory follows
 * the listing setting (everyone, signed-in people — who then finds it in the web client's room
 * directory, joins, waits in the lobby and is admitted — nobody). Read-only turned on while Bob is
 * writing ends his edit and his "is typing" at once, keeps his draft and offers him only what the
 * server allows; and a moderator's Save sends only what she changed, so another moderator's rename
 * made meanwhile stays (the timeline and room list say it in a sentence).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Locator, Page } from 'playwright-core'
import { ParleyApiError, ParleyClient } from '@parley/client'
import {
  assertAccessible,
  checkLooks,
  launchBrowser,
  openPerson,
  screenshot,
  signIn,
  type PersonPage,
} from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'

/** Waits until a form field shows `expected` (it follows a change made elsewhere). */
async function valueBecomes(field: Locator, expected: string): Promise<void> {
  const element = await field.elementHandle()
  await field
    .page()
    .waitForFunction(([input, value]) => (input as { value: string }).value === value, [element, expected] as const)
  assert.equal(await field.inputValue(), expected)
}

describe('web client: room settings take effect', () => {
  let server: Served
  let browser: Browser
  let alice: PersonPage
  let bob: PersonPage
  let aliceApi: ParleyClient
  let bobApi: ParleyClient
  let roomId = ''

  /** Opens the Settings tab of the room details, changes what `change` changes, saves. */
  async function changeSettings(page: Page, change: (settings: ReturnType<Page['getByRole']>) => Promise<void>) {
    await page.getByRole('button', { name: 'Room details' }).click()
    const details = page.getByRole('dialog', { name: 'Town hall' })
    await details.getByRole('tab', { name: 'Settings' }).click()
    await change(details)
    await details.getByRole('button', { name: 'Save' }).click()
    await details.getByRole('status').filter({ hasText: 'Saved' }).waitFor()
    return details
  }

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', 'alice password 1', { displayName: 'Alice' })
    await server.addUser('bob', 'bob password 12', { displayName: 'Bob' })
    await server.addUser('carol', 'carol password 1', { displayName: 'Carol' })
    aliceApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    bobApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    roomId = (await aliceApi.createRoom({ kind: 'public', name: 'Town hall' })).id
    await aliceApi.addParticipant(roomId, (await bobApi.me()).id)
    browser = await launchBrowser()
    alice = await openPerson(browser, server.origin, { path: `/r/${encodeURIComponent(roomId)}` })
    bob = await openPerson(browser, server.origin, { path: `/r/${encodeURIComponent(roomId)}` })
    await signIn(alice.page, 'alice', 'alice password 1')
    await signIn(bob.page, 'bob', 'bob password 12')
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it("read-only takes Bob's composer away with the reason in words, and the server refuses him; off gives it back", async () => {
    const bobComposer = bob.page.getByRole('combobox', { name: 'Message Town hall' })
    await bobComposer.waitFor()
    await changeSettings(alice.page, async (settings) => {
      const toggle = settings.getByRole('switch', { name: 'Read-only: only moderators post' })
      await toggle.click()
      assert.equal(await toggle.getAttribute('aria-checked'), 'true')
    })
    await alice.page.keyboard.press('Escape')

    // Bob's open room changes live: the composer gives way to why.
    await bob.page.getByText('Only moderators can post in this room.').waitFor()
    assert.equal(await bobComposer.count(), 0)
    await assertAccessible(bob.page, 'read-only room')
    await screenshot(bob.page, 'room-read-only')
    await assert.rejects(
      bobApi.post(roomId, 'sneaking in'),
      (e: unknown) => e instanceof ParleyApiError && e.code === 'room-read-only',
    )
    // The owner still posts; Bob reads it.
    const aliceComposer = alice.page.getByRole('combobox', { name: 'Message Town hall' })
    await aliceComposer.fill('Only the moderators speak today')
    await aliceComposer.press('Enter')
    await bob.page.locator('li.message', { hasText: 'Only the moderators speak today' }).waitFor()

    await changeSettings(alice.page, (settings) =>
      settings.getByRole('switch', { name: 'Read-only: only moderators post' }).click(),
    )
    await alice.page.keyboard.press('Escape')
    await bobComposer.fill('Back to talking')
    await bobComposer.press('Enter')
    await alice.page.locator('li.message', { hasText: 'Back to talking' }).waitFor()
    const { messages } = await aliceApi.history(roomId)
    assert.deepEqual(
      messages.filter((m) => m.kind === 'text').map((m) => m.body),
      ['Only the moderators speak today', 'Back to talking'],
      'nothing of Bob got in while the room was read-only',
    )
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })

  it("read-only under Bob while he writes: his edit and 'is typing' end at once, his draft stays, only Delete is offered", async () => {
    const composer = bob.page.getByRole('combobox', { name: 'Message Town hall' })
    const bobsSeq = (await bobApi.post(roomId, 'Bob was here')).seq
    await aliceApi.post(roomId, 'Alice says hi')
    await aliceApi.react(roomId, bobsSeq, '👍')
    const bobs = bob.page.locator(`li.message[data-seq="${bobsSeq}"]`)
    const alices = bob.page.locator('li.message', { hasText: 'Alice says hi' })
    await alices.waitFor()
    await bobs.getByRole('button', { name: /👍 1/ }).waitFor()

    // Both pages' clocks stand still from here, so "is typing" can only end on Alice's screen because
    // Bob's page says so — not because his notice, or her copy of it, ran out.
    for (const page of [alice.page, bob.page]) {
      await page.clock.install()
      await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 100)
    }
    await composer.pressSequentially('a long draft I am writing', { delay: 10 })
    await alice.page.getByText('Bob is typing…').waitFor()
    await bobs.hover()
    await bobs.getByRole('button', { name: 'Edit' }).click()
    await bob.page.getByText('Editing message').waitFor()
    assert.equal(await composer.inputValue(), 'Bob was here')

    await aliceApi.updateRoom(roomId, { readOnly: true })
    await bob.page.getByText('Only moderators can post in this room.').waitFor()
    await alice.page.getByText('Bob is typing…').waitFor({ state: 'detached' })
    for (const page of [alice.page, bob.page]) await page.clock.resume()

    // Nothing that writes is offered: no Reply, reaction or Edit, the reaction count is not a
    // button that reacts. Deleting his own message is allowed in a read-only room, and works.
    const actions = (message: typeof bobs) =>
      message
        .getByRole('group', { name: 'Message actions' })
        .getByRole('button')
        .evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label')))
    assert.deepEqual(await actions(bobs), ['Delete'])
    assert.deepEqual(await actions(alices), [])
    assert.equal(await bobs.getByRole('button', { name: /👍 1/ }).isDisabled(), true)
    await bobs.getByRole('button', { name: 'Delete' }).focus()
    await checkLooks(bob.page, 'room-read-only-own-message', { show: bobs })
    await bobs.getByRole('button', { name: 'Delete' }).click()
    await bobs.getByText('This message was deleted.').waitFor()

    // Read-only off: his composer comes back with his draft, not in the middle of the old edit.
    await aliceApi.updateRoom(roomId, { readOnly: false })
    await composer.waitFor()
    assert.equal(await composer.inputValue(), 'a long draft I am writing')
    assert.equal(await bob.page.getByText('Editing message').count(), 0)
    await composer.fill('')
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })

  it('a password and the lobby set in Settings meet a guest at the link; removing the password lets the next one in', async () => {
    const details = await changeSettings(alice.page, async (settings) => {
      await settings.getByLabel('Password for guests (optional)').fill('open-sesame')
      await settings.getByRole('switch', { name: 'Lobby: a moderator admits people who come by link' }).click()
    })
    await details.getByText('This room has a password.').waitFor()
    await alice.page.keyboard.press('Escape')
    const set = await aliceApi.room(roomId)
    assert.deepEqual([set.hasPassword, set.lobby], [true, true])

    const guest = await openPerson(browser, server.origin, { path: `/join/${encodeURIComponent(roomId)}` })
    await guest.page.getByLabel('Your name').fill('Vera')
    await guest.page.getByRole('button', { name: 'Join' }).click()
    await guest.page.getByRole('alert').filter({ hasText: 'This room needs a password.' }).waitFor()
    await guest.page.getByLabel('Room password').fill('open sesame')
    await guest.page.getByRole('button', { name: 'Join' }).click()
    await guest.page.getByRole('alert').filter({ hasText: 'The password is wrong.' }).waitFor()
    await guest.page.getByLabel('Room password').fill('open-sesame')
    await guest.page.getByRole('button', { name: 'Join' }).click()
    await guest.page.getByText('Waiting for a moderator to let you in…').waitFor()

    // Alice removes the password (the lobby stays): the next guest needs none, and waits in the lobby.
    await alice.page.getByRole('button', { name: 'Room details' }).click()
    const again = alice.page.getByRole('dialog', { name: 'Town hall' })
    await again.getByRole('tab', { name: 'Settings' }).click()
    await again.getByRole('button', { name: 'Remove password' }).click()
    await again.getByText('This room has a password.').waitFor({ state: 'detached' })
    await alice.page.keyboard.press('Escape')
    assert.equal((await aliceApi.room(roomId)).hasPassword, false)
    const next = await openPerson(browser, server.origin, { path: `/join/${encodeURIComponent(roomId)}` })
    await next.page.getByLabel('Your name').fill('Walt')
    await next.page.getByRole('button', { name: 'Join' }).click()
    await next.page.getByText('Waiting for a moderator to let you in…').waitFor()
    const waiting = (await aliceApi.participants(roomId)).participants.filter((p) => p.state === 'lobby')
    assert.deepEqual(waiting.map((p) => p.displayName).sort(), ['Vera', 'Walt'])
    assert.deepEqual(guest.errors, [])
    assert.deepEqual(next.errors, [])
    await guest.context.close()
    await next.context.close()
  })

  it('the listing setting decides who finds the room in the directory', async () => {
    const anonymous = new ParleyClient({ baseUrl: server.origin })
    const carolApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('carol') } })
    const names = async (client: ParleyClient) => (await client.listableRooms()).rooms.map((r) => r.name)
    const listTo = async (label: string) => {
      await changeSettings(alice.page, async (settings) => {
        await settings.getByLabel('Who finds it in the room directory').selectOption({ label })
      })
      await alice.page.keyboard.press('Escape')
    }

    await listTo('Everyone')
    assert.deepEqual(await names(anonymous), ['Town hall'])
    assert.deepEqual(await names(carolApi), ['Town hall'])
    await listTo('Signed-in people')
    assert.deepEqual(await names(anonymous), [])
    assert.deepEqual(await names(carolApi), ['Town hall'])
    // Carol, in no room yet, finds it in the web client's room directory and joins by its link.
    // The lobby is on (whatever the test before left), so she waits there until Alice admits her.
    await aliceApi.updateRoom(roomId, { lobby: true })
    const carol = await openPerson(browser, server.origin, { path: '/search' })
    await signIn(carol.page, 'carol', 'carol password 1')
    const directory = carol.page.getByRole('list', { name: 'Room directory' })
    await directory.getByRole('link', { name: 'Join Town hall' }).waitFor()
    await assertAccessible(carol.page, 'room directory')
    await screenshot(carol.page, 'room-directory')
    await directory.getByRole('link', { name: 'Join Town hall' }).click()
    await carol.page.getByRole('heading', { name: 'Town hall', level: 1 }).waitFor()
    const carolsEntry = carol.page.locator('.sidebar a.room-item', { hasText: 'Town hall' })
    await carolsEntry.filter({ hasText: 'Waiting in the lobby' }).waitFor()
    await carol.page.getByText('Waiting for a moderator to let you in…').waitFor()
    await checkLooks(carol.page, 'room-lobby-signed-in')
    const carolComposer = carol.page.getByRole('combobox', { name: 'Message Town hall' })
    assert.equal(await carolComposer.count(), 0, 'nothing of the room while she waits')
    // Alice admits her from the room's participants; Carol's page turns into the room by itself.
    await alice.page.getByRole('button', { name: 'Room details' }).click()
    const people = alice.page.getByRole('dialog', { name: 'Town hall' })
    await people.getByRole('tab', { name: 'Participants' }).click()
    await people.getByRole('listitem').filter({ hasText: 'Carol' }).getByRole('button', { name: 'Admit' }).click()
    await carolComposer.waitFor()
    await alice.page.keyboard.press('Escape')
    await carolComposer.fill('Thanks for letting me in')
    await carolComposer.press('Enter')
    await alice.page.locator('li.message', { hasText: 'Thanks for letting me in' }).waitFor()
    await carolsEntry.filter({ hasText: 'You: Thanks for letting me in' }).waitFor()
    assert.deepEqual(carol.errors, [])
    await listTo('Nobody')
    assert.deepEqual(await names(carolApi), [])
    assert.equal((await aliceApi.room(roomId)).listable, 'none')
    assert.deepEqual(alice.errors, [])
  })
  it("Save sends only what Alice changed: Carol's rename, made while Alice's form was open, stays", async () => {
    const carolApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('carol') } })
    await aliceApi.updateParticipant(roomId, (await carolApi.me()).id, { role: 'moderator' })
    await alice.page.getByRole('button', { name: 'Room details' }).click()
    await alice.page.getByRole('dialog', { name: 'Town hall' }).getByRole('tab', { name: 'Settings' }).click()
    const details = alice.page.getByRole('dialog', { name: /^Town/ })
    const name = details.getByLabel('Name', { exact: true })
    assert.equal(await name.inputValue(), 'Town hall')

    // Carol, a moderator too, renames the room from elsewhere: Alice's form follows, as she has not touched it.
    await carolApi.updateRoom(roomId, { name: 'Town square', description: 'Where we meet' })
    await alice.page.getByRole('dialog', { name: 'Town square' }).waitFor()
    await valueBecomes(name, 'Town square')
    await valueBecomes(details.getByLabel('Description'), 'Where we meet')
    await details.getByRole('switch', { name: 'Read-only: only moderators post' }).click()
    await details.getByRole('button', { name: 'Save' }).click()
    await details.getByRole('status').filter({ hasText: 'Saved' }).waitFor()
    const room = await aliceApi.room(roomId)
    assert.deepEqual([room.name, room.description, room.readOnly], ['Town square', 'Where we meet', true])

    // The timeline and the room list say what happened, once, in a sentence.
    await alice.page.keyboard.press('Escape')
    const sentence = 'Carol renamed the room to “Town square”'
    await alice.page.locator('li.system-message', { hasText: sentence }).waitFor()
    await alice.page.locator('.sidebar a.room-item', { hasText: sentence }).waitFor()
    const renames = (await aliceApi.history(roomId)).messages.filter((m) => m.kind === 'system' && m.body === 'renamed')
    assert.equal(renames.length, 1, 'no rename back to the old name')
    assert.deepEqual(alice.errors, [])
  })
})
