/**
 * The agenda and the calendar feed in the web client, in Debian's Chromium against a real `parley
 * serve`: a member opens the agenda from the header and sees the meetings of all their rooms (and
 * none of a room they are not in) by day in the browser's own time zone, answers one and follows one
 * into its room; downloads the agenda as .ics; makes a private feed URL that a calendar app (plain
 * HTTP, no session) reads, makes a new one (the old one is refused) and stops it (refused too). Someone
 * without meetings reaches the agenda by keyboard and reads that nothing comes up.
 */
import { readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { ParleyClient } from '@parley/client'
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

const VIEWER_ZONE = 'America/New_York'

/** The wall clock in Berlin `days` from now at `hour`:`minute`, as MeetingCreate takes it. */
function berlinDay(days: number, hour: number, minute = 0): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', dateStyle: 'short' }).format(
    new Date(Date.now() + days * 86400_000),
  )
  return `${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`
}

/**
 * What a calendar app gets from a feed URL: no cookies, no token but the URL's. The server under
 * test listens on port 0 and so cannot know its public origin's port (config/public-origin.ts): the
 * URL's path and secret are asked of the origin it listens on.
 */
async function fetchFeed(origin: string, url: string): Promise<{ status: number; type: string; body: string }> {
  const { pathname, search } = new URL(url)
  assert.equal(pathname, '/api/v1/calendar/feed.ics')
  const reply = await fetch(new URL(pathname + search, origin))
  return { status: reply.status, type: reply.headers.get('content-type') ?? '', body: await reply.text() }
}

describe('web client: agenda and calendar feed', () => {
  let server: Served
  let browser: Browser
  let bob: PersonPage
  let bobApi: ParleyClient
  let teamId = ''
  let designId = ''

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', 'alice password 1', { displayName: 'Alice' })
    await server.addUser('bob', 'bob password 12', { displayName: 'Bob' })
    await server.addUser('carol', 'carol password 1', { displayName: 'Carol' })
    const aliceApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    bobApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    const bobId = (await bobApi.me()).id
    teamId = (await aliceApi.createRoom({ kind: 'group', name: 'Team' })).id
    designId = (await aliceApi.createRoom({ kind: 'group', name: 'Design' })).id
    const secretId = (await aliceApi.createRoom({ kind: 'group', name: 'Secret' })).id
    await aliceApi.addParticipant(teamId, bobId)
    await aliceApi.addParticipant(designId, bobId)
    const zone = 'Europe/Berlin'
    await aliceApi.meetings.schedule(teamId, {
      title: 'Standup',
      start: berlinDay(1, 9),
      end: berlinDay(1, 9, 15),
      timeZone: zone,
      recurrence: 'FREQ=WEEKLY;COUNT=2',
    })
    await aliceApi.meetings.schedule(designId, {
      title: 'Review',
      start: berlinDay(1, 15),
      end: berlinDay(1, 16),
      timeZone: zone,
    })
    await aliceApi.meetings.schedule(secretId, {
      title: 'Board only',
      start: berlinDay(1, 12),
      end: berlinDay(1, 13),
      timeZone: zone,
    })
    browser = await launchBrowser()
    bob = await openPerson(browser, server.origin, { locale: 'en-US', timezoneId: VIEWER_ZONE })
    await signIn(bob.page, 'bob', 'bob password 12')
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('lists the meetings of all my rooms by day in my time zone; an answer and the room link work', async () => {
    const page = bob.page
    await page.getByRole('link', { name: 'Agenda' }).click()
    await page.getByRole('heading', { name: 'Agenda', level: 1 }).waitFor()
    await page.getByText(`Times in ${VIEWER_ZONE}.`).waitFor()
    const cards = page.locator('li.agenda-item')
    await cards.nth(2).waitFor()
    assert.deepEqual(await cards.locator('h3').allTextContents(), ['Standup', 'Review', 'Standup'])
    assert.equal(await page.getByText('Board only').count(), 0, 'a room I am not in shows nothing')

    // Each card reads in New York's clock, under the heading of its New York day.
    const upcoming = await bobApi.meetings.upcoming({ timeZone: VIEWER_ZONE })
    const clock = new Intl.DateTimeFormat('en-US', { timeStyle: 'short', timeZone: VIEWER_ZONE })
    const dayName = new Intl.DateTimeFormat('en-US', { dateStyle: 'full', timeZone: VIEWER_ZONE })
    for (const [i, o] of upcoming.entries()) {
      const card = cards.nth(i)
      const times = `${clock.format(new Date(o.start))}–${clock.format(new Date(o.end))}`
      assert.equal(await card.locator('.agenda-time').textContent(), times)
      const heading = card.locator('xpath=ancestor::section[1]/h2')
      assert.equal(await heading.textContent(), dayName.format(new Date(o.start)))
    }
    await cards.nth(0).getByRole('link', { name: 'in Team' }).waitFor()

    const review = cards.filter({ hasText: 'Review' })
    await review.getByRole('button', { name: 'Going', exact: true }).click()
    await review.getByRole('button', { name: 'Going', exact: true, pressed: true }).waitFor()
    const answered = (await bobApi.meetings.upcoming({ roomId: designId })).find((o) => o.title === 'Review')
    assert.equal(answered?.rsvp, 'going')

    await checkLooks(page, 'agenda')

    await review.getByRole('link', { name: 'in Design' }).click()
    await page.getByRole('heading', { name: 'Design', level: 1 }).waitFor()
    assert.equal(new URL(page.url()).pathname, `/r/${encodeURIComponent(designId)}`)
    await page.goBack()
    await page.getByRole('heading', { name: 'Agenda', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Going', exact: true, pressed: true }).waitFor()
    assert.deepEqual(bob.errors, [])
  })

  it('downloads my agenda as an .ics file with the meetings of my rooms', async () => {
    const page = bob.page
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download my agenda (.ics)' }).click(),
    ])
    assert.equal(download.suggestedFilename(), 'parley-agenda.ics')
    const ics = await readFile(await download.path(), 'utf8')
    assert.match(ics, /^BEGIN:VCALENDAR/)
    assert.match(ics, /SUMMARY:Standup/)
    assert.match(ics, /SUMMARY:Review/)
    assert.doesNotMatch(ics, /Board only/)
  })

  it('makes a private feed URL a calendar app reads; a new one cuts off the old; stopping it cuts off both', async () => {
    const page = bob.page
    const card = page.getByRole('group', { name: 'In your calendar app' })
    await card.getByText('You have no feed address.').waitFor()
    await card.getByRole('button', { name: 'Make a feed address' }).click()
    const address = card.getByLabel('Feed address')
    await address.waitFor()
    const first = await address.inputValue()
    await card.getByText('it is shown only once').waitFor()
    const feed = await fetchFeed(server.origin, first)
    assert.equal(feed.status, 200)
    assert.match(feed.type, /^text\/calendar/)
    assert.match(feed.body, /SUMMARY:Standup/)
    assert.match(feed.body, /SUMMARY:Review/)
    assert.doesNotMatch(feed.body, /Board only/)
    await checkLooks(page, 'calendar-feed', { show: card })
    // Copy puts the address on the clipboard, for pasting into the calendar app.
    await bob.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin })
    await card.getByRole('button', { name: 'Copy' }).click()
    await card.getByRole('button', { name: 'Copied' }).waitFor()
    type Clip = { navigator: { clipboard: { readText(): Promise<string> } } }
    assert.equal(await page.evaluate(() => (globalThis as unknown as Clip).navigator.clipboard.readText()), first)

    await card.getByRole('button', { name: 'Make a new address' }).click()
    type Doc = { document: { querySelector(selector: string): { value: string } | null } }
    await page.waitForFunction(
      (old) => (globalThis as unknown as Doc).document.querySelector('input.feed-url')?.value !== old,
      first,
    )
    const second = await address.inputValue()
    assert.notEqual(second, first)
    const old = await fetchFeed(server.origin, first)
    assert.equal(old.status, 410)
    assert.equal((JSON.parse(old.body) as { error: { code: string } }).error.code, 'calendar-feed-revoked')
    assert.equal((await fetchFeed(server.origin, second)).status, 200)

    // Back later: the address is not shown again (only its hash is kept), but that one works, and since when.
    await page.reload()
    await card.getByText('Your feed address made').waitFor()
    assert.equal(await address.count(), 0, 'the address is shown only when made')
    await card.getByRole('button', { name: 'Stop the feed' }).click()
    await card.getByText('The feed is stopped').waitFor()
    assert.equal(await address.count(), 0, 'the stopped address is no longer shown')
    const stopped = await fetchFeed(server.origin, second)
    assert.equal(stopped.status, 410)
    assert.equal((JSON.parse(stopped.body) as { error: { code: string } }).error.code, 'calendar-feed-revoked')
    await assertAccessible(page, 'calendar feed stopped')
    assert.deepEqual(bob.errors, [])
  })

  it('someone without meetings reaches the agenda by keyboard and reads that nothing comes up (in German)', async () => {
    const carol = await openPerson(browser, server.origin, { locale: 'de-DE' })
    // A German browser gets the German screens, sign-in included.
    await carol.page.getByLabel('Benutzername').fill('carol')
    await carol.page.getByLabel('Passwort').fill('carol password 1')
    await carol.page.getByRole('button', { name: 'Anmelden' }).last().click()
    await carol.page.locator('.connection[data-state="open"]').waitFor()
    const page = carol.page
    const agenda = page.getByRole('link', { name: 'Termine' })
    await agenda.waitFor()
    // Tab from the top of the page until the agenda link has the focus, then open it with Enter.
    let focused = false
    for (let i = 0; i < 12 && !focused; i++) {
      await page.keyboard.press('Tab')
      focused = (await page.locator('a[href="/agenda"]:focus').count()) === 1
    }
    assert.ok(focused, 'the agenda link is reachable with Tab')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Termine', level: 1 }).waitFor()
    await page.getByText('Keine anstehenden Besprechungen.').waitFor()
    assert.equal(await page.getByRole('link', { name: 'Termine' }).getAttribute('aria-current'), 'page')
    await assertAccessible(page, 'agenda empty (de)')
    await screenshot(page, 'agenda-empty-de')
    assert.deepEqual(carol.errors, [])
    await carol.context.close()
  })
})
