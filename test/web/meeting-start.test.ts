/**
 * A meeting's reminder and start in the web client, in Debian's Chromium against a real `parley
 * serve`: with notifications allowed, the reminder shows as a browser notification; at the start
 * the room shows a banner — without any permission — where the member reads that a moderator opens
 * the call, the moderator starts it from the banner, and the member then joins that same call.
 *
 * Observed, not faked: the page's own `Notification` is kept and wrapped (an init script) so each
 * notification the app creates is also recorded with its title and tag; headless Chromium shows
 * nothing on a screen to look at.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { ParleyClient } from '@parley/client'
import { checkLooks, launchBrowser, openPerson, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'

type Shown = { title: string; tag: string }

/** Runs in the page before its scripts: the real Notification, recording what it is asked to show. */
function RECORD_NOTIFICATIONS(): void {
  type Ctor = new (title: string, options?: { tag?: string }) => object
  const page = globalThis as unknown as { Notification: Ctor; shownNotifications: Shown[] }
  const Real = page.Notification
  page.shownNotifications = []
  class Recorded extends Real {
    constructor(title: string, options?: { tag?: string }) {
      super(title, options)
      page.shownNotifications.push({ title, tag: options?.tag ?? '' })
    }
  }
  page.Notification = Recorded
}

const shown = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { shownNotifications: Shown[] }).shownNotifications)

/** A wall-clock time in UTC `seconds` from now, as meetings take it. */
const utcIn = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString().slice(0, 19)

describe('web client: a meeting’s reminder and start', () => {
  let server: Served
  let browser: Browser
  let alice: PersonPage
  let bob: PersonPage
  let aliceApi: ParleyClient
  let roomId = ''

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', 'alice password 1', { displayName: 'Alice' })
    await server.addUser('bob', 'bob password 12', { displayName: 'Bob' })
    aliceApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    const bobApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    roomId = (await aliceApi.createRoom({ kind: 'group', name: 'Standup' })).id
    await aliceApi.addParticipant(roomId, (await bobApi.me()).id)
    browser = await launchBrowser()
    alice = await openPerson(browser, server.origin)
    bob = await openPerson(browser, server.origin, { init: RECORD_NOTIFICATIONS })
    await bob.context.grantPermissions(['notifications'], { origin: server.origin })
    await signIn(alice.page, 'alice', 'alice password 1')
    await signIn(bob.page, 'bob', 'bob password 12')
    for (const person of [alice, bob]) {
      await person.page.getByRole('link', { name: /^Standup/ }).click()
      await person.page.getByRole('heading', { name: 'Standup', level: 1 }).waitFor()
    }
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('the reminder shows as a browser notification; at the start the room shows the meeting, and who may open its call', async () => {
    // Starts in 20 s; its one-minute reminder is due at once (a late notice is still sent).
    const meeting = await aliceApi.meetings.schedule(roomId, {
      title: 'Daily',
      start: utcIn(20),
      end: utcIn(1800),
      timeZone: 'UTC',
      reminderMinutes: 1,
    })
    const [occurrence] = await aliceApi.meetings.upcoming({ roomId })
    assert.ok(occurrence)
    const tag = `${meeting.id}:${occurrence.occurrence}`
    await bob.page.waitForFunction(
      (want) =>
        (globalThis as unknown as { shownNotifications: Shown[] }).shownNotifications.some(
          (n) => n.tag === `meeting.reminder:${want}`,
        ),
      tag,
    )
    assert.deepEqual(
      (await shown(bob.page)).find((n) => n.tag === `meeting.reminder:${tag}`),
      { title: 'Daily starts in 1 minutes', tag: `meeting.reminder:${tag}` },
    )

    // The start: a banner in the room for both, whatever the browser may show.
    const bobBanner = bob.page.getByRole('complementary', { name: 'Meeting' })
    await bobBanner
      .getByText('Daily has started. Waiting for a moderator to start the call.')
      .waitFor({ timeout: 60_000 })
    assert.equal(await bobBanner.getByRole('button').count(), 0, 'a member cannot open the call from it')
    const aliceBanner = alice.page.getByRole('complementary', { name: 'Meeting' })
    await aliceBanner.getByText('Daily has started').waitFor({ timeout: 60_000 })
    await aliceBanner.getByRole('button', { name: 'Start the meeting’s call' }).waitFor()
    await bob.page.waitForFunction(
      (want) =>
        (globalThis as unknown as { shownNotifications: Shown[] }).shownNotifications.some(
          (n) => n.tag === `meeting.started:${want}`,
        ),
      tag,
    )
    await checkLooks(bob.page, 'meeting-waiting')
    assert.deepEqual(bob.errors, [])
  })

  it('the moderator opens the call from the banner; the member then joins that same call from it', async () => {
    await alice.page
      .getByRole('complementary', { name: 'Meeting' })
      .getByRole('button', { name: 'Start the meeting’s call' })
      .click()
    await alice.page.getByRole('button', { name: 'Join now' }).click()
    await alice.page.getByRole('region', { name: '1 person in the call' }).waitFor()

    const bobBanner = bob.page.getByRole('complementary', { name: 'Meeting' })
    await bobBanner.getByRole('button', { name: 'Join call' }).click()
    await bob.page.getByRole('button', { name: 'Join now' }).click()
    await bob.page.getByRole('region', { name: '2 people in the call' }).waitFor()
    await alice.page.getByRole('region', { name: '2 people in the call' }).waitFor()
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })
})
