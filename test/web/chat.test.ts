/**
 * The web client end to end, in Debian's Chromium against a real `parley serve`: two people in two
 * browser contexts sign in, make a room, chat (markdown, reply, reaction, edit, delete), see each
 * other typing and reading (each way), and see the room list update live. Screenshots of the views go to
 * test/artifacts/web/; axe-core checks each view.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { assertAccessible, launchBrowser, openPerson, screenshot, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'

const PASSWORD = { alice: 'alice password 1', bob: 'bob password 12' }

async function messageBySeqText(page: Page, text: string) {
  const item = page.locator('li.message', { hasText: text })
  await item.first().waitFor()
  return item.first()
}

describe('web client: chat between two people', () => {
  let server: Served
  let browser: Browser
  let alice: PersonPage
  let bob: PersonPage
  let roomUrl = ''

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', PASSWORD.alice, { admin: true, displayName: 'Alice' })
    await server.addUser('bob', PASSWORD.bob, { displayName: 'bob' })
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('signs both in, creates a room, and the second person joins it by its link', async () => {
    alice = await openPerson(browser, server.origin)
    await alice.page.getByRole('heading', { name: 'Parley' }).waitFor()
    await assertAccessible(alice.page, 'sign-in')
    await screenshot(alice.page, 'sign-in')
    await signIn(alice.page, 'alice', PASSWORD.alice)

    await alice.page.getByRole('button', { name: 'New room' }).click()
    const dialog = alice.page.getByRole('dialog', { name: 'Create a room' })
    await dialog.getByLabel('Public (anyone with the link, guests too)').check()
    await dialog.getByLabel('Name').fill('Team')
    await dialog.getByLabel('Description').fill('Where the team talks')
    await assertAccessible(alice.page, 'create-room dialog')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await alice.page.getByRole('heading', { name: 'Team', level: 1 }).waitFor()
    roomUrl = alice.page.url()
    const roomId = decodeURIComponent(new URL(roomUrl).pathname.split('/')[2] ?? '')
    assert.ok(roomId)

    bob = await openPerson(browser, server.origin)
    await signIn(bob.page, 'bob', PASSWORD.bob)
    await bob.page.goto(`${server.origin}/join/${encodeURIComponent(roomId)}`)
    await bob.page.getByRole('heading', { name: 'Team', level: 1 }).waitFor()
    // Alice's list shows Bob arriving.
    await alice.page.locator('li.system-message', { hasText: 'bob joined' }).waitFor()
  })

  it('chats with markdown, a reply, a reaction, an edit and a delete; typing and read markers show live, both ways', async () => {
    const aliceComposer = alice.page.getByRole('combobox', { name: 'Message Team' })
    await aliceComposer.fill('Hello **Bob**, see https://example.org')
    await aliceComposer.press('Enter')
    const hello = await messageBySeqText(bob.page, 'Hello')
    assert.equal(await hello.locator('.markdown strong').textContent(), 'Bob')
    assert.equal(await hello.locator('.markdown a').getAttribute('rel'), 'noopener noreferrer nofollow')

    // Bob types: Alice sees it.
    const bobComposer = bob.page.getByRole('combobox', { name: 'Message Team' })
    await hello.hover()
    await hello.getByRole('button', { name: 'Reply' }).click()
    await bob.page.getByText('Replying to Alice').waitFor()
    await bobComposer.pressSequentially('Hi Alice', { delay: 20 })
    await alice.page.getByText('bob is typing…').waitFor()
    await bobComposer.press('Enter')
    await alice.page.getByText('bob is typing…').waitFor({ state: 'detached' })
    const reply = await messageBySeqText(alice.page, 'Hi Alice')
    assert.match((await reply.locator('.reply-quote').textContent()) ?? '', /Alice.*Hello \*\*Bob\*\*/)

    // Alice reacts with the emoji picker; Bob sees the count.
    await reply.hover()
    await reply.getByRole('button', { name: 'Add reaction' }).click()
    await alice.page.getByRole('button', { name: 'React with 🎉' }).click()
    await (await messageBySeqText(bob.page, 'Hi Alice')).getByRole('button', { name: /🎉 1/ }).waitFor()

    // Bob edits his reply; Alice sees the new text marked as edited.
    const bobsReply = await messageBySeqText(bob.page, 'Hi Alice')
    await bobsReply.hover()
    await bobsReply.getByRole('button', { name: 'Edit' }).click()
    await bobComposer.fill('Hi Alice, good to see you')
    await bobComposer.press('Enter')
    const edited = await messageBySeqText(alice.page, 'good to see you')
    await edited.getByText('edited').waitFor()

    // Read markers: Alice sees that Bob has read up to his own message.
    await alice.page.locator('.seen-by', { hasText: 'Seen by bob' }).waitFor()

    // And the other way round: Alice types, Bob sees it and then her message.
    await aliceComposer.pressSequentially('Glad you', { delay: 20 })
    await bob.page.getByText('Alice is typing…').waitFor()
    await aliceComposer.pressSequentially(' made it', { delay: 20 })
    await aliceComposer.press('Enter')
    await bob.page.getByText('Alice is typing…').waitFor({ state: 'detached' })
    await messageBySeqText(bob.page, 'Glad you made it')
    // Bob answers; Alice, in the room, reads it, and Bob sees "Seen by Alice" under that very message.
    await bobComposer.fill('Thanks, me too')
    await bobComposer.press('Enter')
    const thanks = await messageBySeqText(bob.page, 'Thanks, me too')
    await messageBySeqText(alice.page, 'Thanks, me too')
    await thanks.locator('.seen-by', { hasText: 'Seen by Alice' }).waitFor()

    // Alice deletes her first message; Bob sees it go.
    const first = await messageBySeqText(alice.page, 'Hello')
    await first.hover()
    await first.getByRole('button', { name: 'Delete' }).click()
    await bob.page.locator('li.message p.deleted').waitFor()

    await assertAccessible(alice.page, 'chat')
    await screenshot(alice.page, 'chat')
  })

  it('keeps the room list live: last message, unread count and mentions', async () => {
    await bob.page.getByRole('link', { name: 'Parley' }).click()
    await bob.page.getByText('Pick a room on the left, or create one.').waitFor()
    const aliceComposer = alice.page.getByRole('combobox', { name: 'Message Team' })
    await aliceComposer.fill('Standup in five minutes')
    await aliceComposer.press('Enter')
    await aliceComposer.fill('@bob can you join?')
    await aliceComposer.press('Enter')
    const entry = bob.page.getByRole('link', { name: /^Team\W+2 unread messages, 1 mention/ })
    await entry.waitFor()
    assert.match((await entry.textContent()) ?? '', /Alice: @bob can you join\?/)
    await assertAccessible(bob.page, 'room list')
    await screenshot(bob.page, 'room-list')
    // Opening the room reads it: the badges go.
    await entry.click()
    await bob.page.getByRole('combobox', { name: 'Message Team' }).waitFor()
    await bob.page.getByRole('link', { name: /unread/ }).waitFor({ state: 'detached' })
  })

  it('works at phone width and in dark mode', async () => {
    const phone = await openPerson(browser, server.origin, {
      viewport: { width: 360, height: 740 },
      colorScheme: 'dark',
    })
    await signIn(phone.page, 'bob', PASSWORD.bob)
    await screenshot(phone.page, 'phone-room-list-dark')
    await assertAccessible(phone.page, 'phone room list (dark)')
    await phone.page.getByRole('link', { name: /^Team/ }).click()
    await phone.page.getByRole('combobox', { name: 'Message Team' }).waitFor()
    await screenshot(phone.page, 'phone-chat-dark')
    await assertAccessible(phone.page, 'phone chat (dark)')
    const width = (await phone.page.evaluate('document.documentElement.scrollWidth')) as number
    assert.ok(width <= 360, `nothing wider than the phone (${width}px)`)
    await phone.page.getByRole('link', { name: 'Back to rooms' }).click()
    await phone.page.getByRole('heading', { name: 'Rooms' }).waitFor()
    assert.deepEqual(phone.errors, [])
    await phone.context.close()
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })
})
