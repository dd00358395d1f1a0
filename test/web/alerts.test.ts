/**
 * What is new reaches a person in the web client, in Debian's Chromium against a real `parley
 * serve`: a browser notification for a mention while the page is in the background (permission
 * granted to the context, turned on in the settings, each `Notification` constructed recorded), none
 * for other messages of a room set to mentions only, and one for an ordinary message of a room the
 * person sets to "All messages"; and a message of a room with expiry disappearing live from the
 * open timeline and from the room list at its `expiresAt`.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { ParleyClient } from '@parley/client'
import { launchBrowser, openPerson, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'

type Shown = { title: string; body: string | undefined; tag: string | undefined }
type Spied = { __shown: Shown[]; __hidden: boolean }

/**
 * Runs in the page before its scripts: records every Notification the app constructs, and lets the
 * test put the page in the background (a headless page is always "visible").
 */
function spyOnNotifications(): void {
  const g = globalThis as unknown as Spied & {
    Notification: {
      new (title: string, options?: { body?: string; tag?: string }): object
      readonly permission: string
      requestPermission(): Promise<string>
    }
    document: object
  }
  const Real = g.Notification
  g.__shown = []
  g.__hidden = false
  class Recorded extends Real {
    // The statics are the real ones' (their getters refuse any other `this`).
    static override get permission() {
      return Real.permission
    }
    static override requestPermission() {
      return Real.requestPermission()
    }
    constructor(title: string, options?: { body?: string; tag?: string }) {
      g.__shown.push({ title, body: options?.body, tag: options?.tag })
      super(title, options)
    }
  }
  g.Notification = Recorded
  Object.defineProperty(g.document, 'visibilityState', {
    configurable: true,
    get: () => (g.__hidden ? 'hidden' : 'visible'),
  })
}

describe('web client: notifications and expiry', () => {
  let server: Served
  let browser: Browser
  let bob: PersonPage
  let aliceApi: ParleyClient
  let bobApi: ParleyClient
  let alertsId = ''
  let chatterId = ''
  let fleetingId = ''

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', 'alice password 1', { displayName: 'Alice' })
    await server.addUser('bob', 'bob password 12', { displayName: 'Bob' })
    aliceApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    bobApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    const bobId = (await bobApi.me()).id
    alertsId = (await aliceApi.createRoom({ kind: 'group', name: 'Alerts' })).id
    chatterId = (await aliceApi.createRoom({ kind: 'group', name: 'Chatter' })).id
    fleetingId = (await aliceApi.createRoom({ kind: 'group', name: 'Fleeting', messageExpirySeconds: 60 })).id
    await aliceApi.addParticipant(alertsId, bobId)
    await aliceApi.addParticipant(chatterId, bobId)
    await aliceApi.addParticipant(fleetingId, bobId)
    await bobApi.roomSettings(alertsId, { notificationLevel: 'mentions' })
    // Chatter starts at mentions only too: Bob turns it to "All messages" in the room's settings.
    await bobApi.roomSettings(chatterId, { notificationLevel: 'mentions' })
    browser = await launchBrowser()
    bob = await openPerson(browser, server.origin, { init: spyOnNotifications })
    await signIn(bob.page, 'bob', 'bob password 12')
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('a mention becomes a browser notification while the page is in the background; other messages do not', async () => {
    const page = bob.page
    await page.getByRole('button', { name: 'Account menu' }).click()
    await page.getByRole('menuitem', { name: 'Settings' }).click()
    // Allowed in the browser (as in its site settings) after the page loaded: the settings follow.
    await bob.context.grantPermissions(['notifications'], { origin: server.origin })
    await page.getByText('Browser notifications are on.').waitFor()
    await page.evaluate(() => {
      ;(globalThis as unknown as Spied).__hidden = true
    })

    await aliceApi.post(alertsId, 'lunch is at noon')
    await aliceApi.post(alertsId, '@bob can you book the table?')
    const shown = () => page.evaluate(() => (globalThis as unknown as Spied).__shown)
    await page.waitForFunction(() => (globalThis as unknown as Spied).__shown.length > 0)
    // The plain message came first and the mention after it: once the mention is shown, the plain
    // one has had its chance and was not shown (mentions only).
    const [only, ...more] = await shown()
    assert.deepEqual(more, [])
    assert.equal(only?.title, 'Alice · Alerts')
    assert.equal(only?.body, '@bob can you book the table?')
    // The room list counts both as unread, one of them a mention.
    await page.getByRole('link', { name: /^Alerts\W+2 unread messages, 1 mention/ }).waitFor()

    // Back in front: nothing more is shown for a new mention.
    await page.evaluate(() => {
      ;(globalThis as unknown as Spied).__hidden = false
    })
    await aliceApi.post(alertsId, '@bob never mind')
    await page.getByRole('link', { name: /^Alerts\W+3 unread messages, 2 mentions/ }).waitFor()
    assert.equal((await shown()).length, 1)
  })

  it('a room set to "All messages" in its settings notifies of an ordinary message', async () => {
    const page = bob.page
    await page.getByRole('link', { name: /^Chatter/ }).click()
    await page.getByRole('heading', { name: 'Chatter', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Room details' }).click()
    const dialog = page.getByRole('dialog', { name: 'Chatter' })
    await dialog.getByRole('tab', { name: 'Settings' }).click()
    const level = dialog.getByLabel('Notify me about')
    assert.equal(await level.inputValue(), 'mentions')
    const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith('/settings'))
    await level.selectOption({ label: 'All messages' })
    assert.equal((await saved).status(), 200)
    assert.equal((await bobApi.room(chatterId)).me?.notificationLevel, 'all')
    // The select shows the page's copy of the room, which the notifier reads: it must have the new level.
    await level.locator('option[value="all"]:checked').waitFor({ state: 'attached' })
    await page.keyboard.press('Escape')
    await page.getByRole('link', { name: 'Parley' }).click()
    await page.getByText('Pick a room on the left, or create one.').waitFor()

    const shown = () => page.evaluate(() => (globalThis as unknown as Spied).__shown)
    const earlier = (await shown()).length
    await page.evaluate(() => {
      ;(globalThis as unknown as Spied).__hidden = true
    })
    await aliceApi.post(chatterId, 'the build is green')
    await page.waitForFunction((n) => (globalThis as unknown as Spied).__shown.length > n, earlier)
    const [latest, ...more] = (await shown()).slice(earlier)
    assert.deepEqual(more, [])
    assert.equal(latest?.title, 'Alice · Chatter')
    assert.equal(latest?.body, 'the build is green')
    await page.evaluate(() => {
      ;(globalThis as unknown as Spied).__hidden = false
    })
    assert.deepEqual(bob.errors, [])
  })

  it('a message of a room with expiry disappears from the open timeline and the room list at its expiresAt', async () => {
    const page = bob.page
    await page.getByRole('link', { name: /^Fleeting/ }).click()
    const posted = await aliceApi.post(fleetingId, 'this will self-destruct')
    assert.ok(posted.expiresAt, 'the message has an expiry')
    const message = page.locator('li.message', { hasText: 'this will self-destruct' })
    await message.waitFor()
    await page.getByRole('link', { name: /^Fleeting.*this will self-destruct/ }).waitFor()
    // The server removes it at expiresAt (60 s after posting) and says so: the page follows.
    const left = Date.parse(posted.expiresAt ?? '') - Date.now()
    await message.waitFor({ state: 'detached', timeout: left + 30_000 })
    assert.ok(Date.now() >= Date.parse(posted.expiresAt ?? '') - 1000, 'not before its time')
    await page.getByRole('link', { name: /^Fleeting.*this will self-destruct/ }).waitFor({ state: 'detached' })
    assert.equal((await bobApi.history(fleetingId)).messages.filter((m) => m.kind !== 'system').length, 0)
    assert.deepEqual(bob.errors, [])
  })
})
