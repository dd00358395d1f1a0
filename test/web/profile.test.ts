/**
 * Owning one's account in the web client, in Debian's Chromium against a real `parley serve`: an
 * avatar uploaded in the settings and shown to others (room list, participants, messages), a status
 * (away with a message) shown to the people in one's rooms, the sessions list with one revoked, and
 * a password change that asks for the current password and signs the other sessions out.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { ParleyClient } from '@parley/client'
import { checkLooks, launchBrowser, openPerson, signIn, solidPng, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'

const PASSWORD = { alice: 'alice password 1', bob: 'bob password 12' }

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Account menu' }).click()
  await page.getByRole('menuitem', { name: 'Settings' }).click()
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
}

describe('web client: profile, status, password and sessions', () => {
  let server: Served
  let browser: Browser
  let alice: PersonPage
  let bob: PersonPage
  let aliceApi: ParleyClient
  let aliceId = ''

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', PASSWORD.alice, { displayName: 'Alice' })
    await server.addUser('bob', PASSWORD.bob, { displayName: 'Bob' })
    aliceApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    const bobApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    aliceId = (await aliceApi.me()).id
    const bobId = (await bobApi.me()).id
    const team = await aliceApi.createRoom({ kind: 'group', name: 'Team' })
    await aliceApi.addParticipant(team.id, bobId)
    await aliceApi.post(team.id, 'hello from alice')
    const direct = await aliceApi.oneToOne(bobId)
    await aliceApi.post(direct.id, 'just us')
    browser = await launchBrowser()
    alice = await openPerson(browser, server.origin)
    await signIn(alice.page, 'alice', PASSWORD.alice)
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('uploads an avatar in the settings; Bob sees it in his room list, the participants and the messages', async () => {
    const page = alice.page
    await openSettings(page)
    await page
      .getByTestId('avatar-file')
      .setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: solidPng(96, [200, 40, 60]) })
    const card = page.getByRole('group', { name: 'Avatar' })
    await card.locator('img.avatar-image').waitFor()
    const me = await aliceApi.me()
    assert.match(me.avatarUrl ?? '', new RegExp(`^/api/v1/users/${aliceId}/avatar`))
    // The picture loads (a decoded image, not a broken one).
    await page.waitForFunction(
      (src) =>
        [
          ...(
            globalThis as unknown as {
              document: {
                querySelectorAll(s: string): Iterable<{ naturalWidth: number; getAttribute(a: string): string | null }>
              }
            }
          ).document.querySelectorAll('img.avatar-image'),
        ].some((img) => img.getAttribute('src') === src && img.naturalWidth > 0),
      me.avatarUrl,
    )
    // The account button shows it too.
    await page.getByRole('button', { name: 'Account menu' }).locator('img.avatar-image').waitFor()

    bob = await openPerson(browser, server.origin)
    await signIn(bob.page, 'bob', PASSWORD.bob)
    // The one-to-one room with Alice shows her picture in Bob's list.
    const direct = bob.page.getByRole('link', { name: /^Alice/ })
    await direct.locator(`img.avatar-image[src="${me.avatarUrl}"]`).waitFor()
    await bob.page.getByRole('link', { name: /^Team/ }).click()
    const message = bob.page.locator('li.message', { hasText: 'hello from alice' })
    await message.locator(`img.avatar-image[src="${me.avatarUrl}"]`).waitFor()
    await bob.page.getByRole('button', { name: 'Room details' }).click()
    const details = bob.page.getByRole('dialog', { name: 'Team' })
    await details.locator('li.participant', { hasText: 'Alice' }).locator('img.avatar-image').waitFor()
    await bob.page.keyboard.press('Escape')

    // A file that is not an image is refused in words, and the avatar stays.
    await page
      .getByTestId('avatar-file')
      .setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') })
    await card.getByRole('alert').waitFor()
    assert.equal((await aliceApi.me()).avatarUrl, me.avatarUrl)
  })

  it('sets a status (away, a message, an end); Bob sees it beside her name', async () => {
    const page = alice.page
    const form = page.getByRole('form', { name: 'Status' })
    await form.getByLabel('Availability').selectOption('away')
    await form.getByLabel('Status message (optional)').fill('At lunch')
    await form.getByLabel('Clear after').selectOption('3600')
    await form.getByRole('button', { name: 'Set status' }).click()
    await form.locator('.presence[data-availability="away"]', { hasText: 'At lunch' }).waitFor()
    const status = await aliceApi.account.status()
    assert.equal(status.availability, 'away')
    assert.equal(status.message, 'At lunch')
    assert.ok(status.expiresAt && Date.parse(status.expiresAt) > Date.now() + 3000_000, 'ends in about an hour')

    await bob.page.getByRole('button', { name: 'Room details' }).click()
    const details = bob.page.getByRole('dialog', { name: 'Team' })
    const row = details.locator('li.participant', { hasText: 'Alice' })
    await row.locator('.presence[data-availability="away"]', { hasText: 'At lunch' }).waitFor()
    await checkLooks(bob.page, 'participants-presence')
    await bob.page.keyboard.press('Escape')

    // Back to online: Bob's view follows.
    await form.getByLabel('Availability').selectOption('online')
    await form.getByLabel('Status message (optional)').fill('')
    await form.getByRole('button', { name: 'Set status' }).click()
    await form.locator('.presence[data-availability="online"]').waitFor()
    await bob.page.getByRole('button', { name: 'Room details' }).click()
    await row.locator('.presence[data-availability="online"]').waitFor()
    await bob.page.keyboard.press('Escape')
  })

  it('lists the sessions and signs one out; a password change needs the current password and signs the others out', async () => {
    const page = alice.page
    const other = await openPerson(browser, server.origin)
    await signIn(other.page, 'alice', PASSWORD.alice)
    await page.reload()
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
    const sessions = page.getByRole('group', { name: 'Signed-in sessions' })
    await sessions.locator('li').nth(1).waitFor()
    assert.equal(await sessions.locator('li[data-current]').count(), 1)
    const before = await sessions.locator('li').count()
    await checkLooks(page, 'settings-account')

    await sessions.locator('li:not([data-current])').last().getByRole('button', { name: 'Sign out' }).click()
    await sessions
      .locator('li')
      .nth(before - 1)
      .waitFor({ state: 'detached' })
    // The revoked cookie still gets the pages (which then offer sign-in), not a session-expired body.
    const dead = (await other.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ')
    const served = await fetch(`${server.origin}/settings`, { headers: { cookie: dead } })
    assert.equal(served.status, 200)
    assert.match(served.headers.get('content-type') ?? '', /text\/html/)
    const api = await fetch(`${server.origin}/api/v1/me`, { headers: { cookie: dead } })
    assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'session-expired')
    await other.page.reload()
    await other.page.getByRole('tab', { name: 'Sign in' }).waitFor()

    await signIn(other.page, 'alice', PASSWORD.alice)
    const form = page.getByRole('form', { name: 'Password' })
    await form.getByLabel('Current password').fill('not my password')
    await form.getByLabel('New password (at least 10 characters)').fill('a brand new password')
    await form.getByRole('button', { name: 'Change password' }).click()
    await form.getByRole('alert').filter({ hasText: 'The current password is wrong.' }).waitFor()
    await other.page.reload()
    await other.page.getByRole('heading', { name: 'Rooms' }).waitFor() // nothing changed

    await form.getByLabel('Current password').fill(PASSWORD.alice)
    await form.getByLabel('New password (at least 10 characters)').fill('a brand new password')
    assert.equal(await form.getByLabel('Sign out my other sessions and revoke my API tokens').isChecked(), true)
    await form.getByRole('button', { name: 'Change password' }).click()
    await form.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor()
    await other.page.reload()
    await other.page.getByRole('tab', { name: 'Sign in' }).waitFor()
    await other.page.getByLabel('Username').fill('alice')
    await other.page.getByLabel('Password').fill(PASSWORD.alice)
    await other.page.getByRole('button', { name: 'Sign in' }).last().click()
    await other.page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor()
    await signIn(other.page, 'alice', 'a brand new password')
    // This browser stays signed in.
    await page.reload()
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
    assert.deepEqual(other.errors, [])
    await other.context.close()
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })
})
