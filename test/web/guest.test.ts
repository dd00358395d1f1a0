/**
 * The guest page of a public room's link, in Debian's Chromium against a real `parley serve`: a
 * wrong password is refused in words, the right one puts the guest in the lobby until a moderator
 * admits them from the room's participant list; then the guest chats in the room.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { assertAccessible, launchBrowser, openPerson, screenshot, signIn } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'
import { createRoom } from './people.ts'

describe('web client: a guest joins a public room by its link', () => {
  let server: Served
  let browser: Browser

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', 'alice password 1', { admin: true, displayName: 'Alice' })
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('with the password, waits in the lobby until admitted, then chats', async () => {
    const alice = await openPerson(browser, server.origin)
    await signIn(alice.page, 'alice', 'alice password 1')
    const roomId = await createRoom(alice.page, {
      name: 'Open day',
      kind: 'public',
      password: 'visitors-welcome',
      lobby: true,
    })

    const guest = await openPerson(browser, server.origin, { path: `/join/${encodeURIComponent(roomId)}` })
    await guest.page.getByRole('heading', { name: 'Join the conversation' }).waitFor()
    await guest.page.getByLabel('Your name').fill('Vera')
    await guest.page.getByLabel('Room password').fill('not the password')
    await guest.page.getByRole('button', { name: 'Join' }).click()
    await guest.page.getByRole('alert').filter({ hasText: 'The password is wrong.' }).waitFor()
    await assertAccessible(guest.page, 'guest page')
    await screenshot(guest.page, 'guest-page')

    await guest.page.getByLabel('Room password').fill('visitors-welcome')
    await guest.page.getByRole('button', { name: 'Join' }).click()
    await guest.page.getByText('Waiting for a moderator to let you in…').waitFor()
    await assertAccessible(guest.page, 'guest lobby')
    await screenshot(guest.page, 'guest-lobby')

    await alice.page.getByRole('button', { name: 'Room details' }).click()
    const details = alice.page.getByRole('dialog', { name: 'Open day' })
    await details.locator('li.participant[data-state="lobby"]', { hasText: 'Vera' }).waitFor()
    await assertAccessible(alice.page, 'room details')
    await screenshot(alice.page, 'room-details-lobby')
    await details.getByRole('button', { name: 'Admit' }).click()
    await details.locator('li.participant[data-state="active"]', { hasText: 'Vera' }).waitFor()
    await alice.page.keyboard.press('Escape')

    const composer = guest.page.getByRole('combobox', { name: 'Message Open day' })
    await composer.waitFor()
    await composer.fill('Hello from Vera')
    await composer.press('Enter')
    await alice.page.locator('li.message', { hasText: 'Hello from Vera' }).waitFor()
    await screenshot(guest.page, 'guest-room')
    assert.deepEqual(guest.errors, [])
    assert.deepEqual(alice.errors, [])
  })
})
