/**
 * Meetings in the web client, in Debian's Chromium against a real `parley serve`: a moderator
 * schedules a recurring meeting from the room's details, sees its occurrences in the browser's time
 * zone, answers one; a rule that never ends is refused in words; a member sees it and cannot schedule.
 */
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

/** The wall clock in Berlin `days` from now at `hour`:00, as a datetime-local input takes it. */
function berlinDay(days: number, hour: number): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', dateStyle: 'short' }).format(
    new Date(Date.now() + days * 86400_000),
  )
  return `${day}T${String(hour).padStart(2, '0')}:00`
}

describe('web client: meetings', () => {
  let server: Served
  let browser: Browser
  let alice: PersonPage
  let aliceApi: ParleyClient
  let roomId = ''

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', 'alice password 1', { displayName: 'Alice' })
    await server.addUser('bob', 'bob password 12', { displayName: 'Bob' })
    aliceApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    const bobApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    const bobId = (await bobApi.me()).id
    roomId = (await aliceApi.createRoom({ kind: 'group', name: 'Team' })).id
    await aliceApi.addParticipant(roomId, bobId)
    browser = await launchBrowser()
    alice = await openPerson(browser, server.origin, { locale: 'en-GB' })
    await signIn(alice.page, 'alice', 'alice password 1')
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('a moderator schedules a weekly meeting, sees its occurrences and answers one; a rule that never ends is refused in words', async () => {
    const page = alice.page
    await page.getByRole('link', { name: /^Team/ }).click()
    await page.getByRole('heading', { name: 'Team', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Room details' }).click()
    const dialog = page.getByRole('dialog', { name: 'Team' })
    await dialog.getByRole('tab', { name: 'Meetings' }).click()
    await dialog.getByText('No meetings coming up.').waitFor()

    const form = dialog.getByRole('form', { name: 'Schedule a meeting' })
    await form.getByLabel('Title').fill('Planning')
    await form.getByLabel('Starts').fill(berlinDay(2, 10))
    await form.getByLabel('Ends').fill(berlinDay(2, 11))
    await form.getByLabel('Time zone').fill('Europe/Berlin')
    await form.getByLabel('Repeats (RRULE, optional)').fill('FREQ=DAILY')
    await form.getByRole('button', { name: 'Schedule' }).click()
    await form.getByRole('alert').filter({ hasText: 'The repetition must end.' }).waitFor()
    assert.deepEqual(await aliceApi.meetings.list(roomId), [], 'the refusal changed nothing')

    await form.getByLabel('Repeats (RRULE, optional)').fill('FREQ=WEEKLY;COUNT=3')
    await form.getByRole('button', { name: 'Schedule' }).click()
    const items = dialog.locator('ul.meetings li', { hasText: 'Planning' })
    await items.nth(2).waitFor()
    assert.equal(await items.count(), 3)
    const [meeting] = await aliceApi.meetings.list(roomId)
    assert.equal(meeting?.recurrence, 'FREQ=WEEKLY;COUNT=3')
    assert.equal(meeting?.startLocal, `${berlinDay(2, 10)}:00`)

    const first = items.first()
    await first.getByRole('button', { name: 'Going', exact: true }).click()
    await first.getByRole('button', { name: 'Going', exact: true, pressed: true }).waitFor()
    const [occurrence] = await aliceApi.meetings.upcoming({ roomId })
    assert.equal(occurrence?.rsvp, 'going')
    // The invitation link downloads the meeting's iCalendar with the page's own session.
    const ics = await first.getByRole('link', { name: 'Add to calendar (.ics)' }).getAttribute('href')
    assert.equal(ics, aliceApi.meetings.invitationUrl(roomId, meeting?.id ?? ''))
    const download = await page.request.get(ics ?? '')
    assert.equal(download.status(), 200)
    assert.match(download.headers()['content-type'] ?? '', /^text\/calendar/)
    assert.match(await download.text(), /BEGIN:VEVENT[\s\S]*RRULE:FREQ=WEEKLY;COUNT=3/)
    await assertAccessible(page, 'meetings')
    await screenshot(page, 'meetings')
    assert.deepEqual(alice.errors, [])
  })

  it('a member sees the meetings and answers, but has no schedule form', async () => {
    const bob = await openPerson(browser, server.origin)
    await signIn(bob.page, 'bob', 'bob password 12')
    await bob.page.getByRole('link', { name: /^Team/ }).click()
    await bob.page.getByRole('button', { name: 'Room details' }).click()
    const dialog = bob.page.getByRole('dialog', { name: 'Team' })
    await dialog.getByRole('tab', { name: 'Meetings' }).click()
    const item = dialog.locator('ul.meetings li', { hasText: 'Planning' }).first()
    await item.getByRole('button', { name: 'Maybe' }).click()
    await item.getByRole('button', { name: 'Maybe', pressed: true }).waitFor()
    assert.equal(await dialog.getByRole('form', { name: 'Schedule a meeting' }).count(), 0)
    await bob.context.close()
  })

  it('a moderator edits the meeting, moves one date and cancels another', async () => {
    const page = alice.page
    const dialog = page.getByRole('dialog', { name: 'Team' })
    const items = dialog.locator('ul.meetings li')
    await items.first().getByRole('button', { name: 'Edit meeting' }).click()
    const edit = dialog.getByRole('form', { name: 'Edit Planning' })
    await edit.getByLabel('Title').fill('Planning v2')
    assert.equal(await edit.getByLabel('Starts').inputValue(), berlinDay(2, 10))
    assert.equal(await edit.getByLabel('Time zone').inputValue(), 'Europe/Berlin')
    await edit.getByLabel('Reminder (minutes before)').fill('15')
    await edit.getByRole('button', { name: 'Save meeting' }).click()
    await dialog.locator('ul.meetings li', { hasText: 'Planning v2' }).nth(2).waitFor()
    const [meeting] = await aliceApi.meetings.list(roomId)
    assert.equal(meeting?.title, 'Planning v2')
    assert.equal(meeting?.reminderMinutes, 15)

    // The second date moves to the afternoon of the day after (times in the meeting's zone).
    await items.nth(1).getByRole('button', { name: 'Change this date' }).click()
    const one = dialog.getByRole('form', { name: 'Change one date of Planning v2' })
    await one.getByText('Times in the meeting’s time zone, Europe/Berlin.').waitFor()
    assert.equal(await one.getByLabel('Starts').inputValue(), berlinDay(9, 10))
    await checkLooks(page, 'meeting-occurrence-edit')
    await one.getByLabel('Starts').fill(berlinDay(10, 14))
    await one.getByLabel('Ends').fill(berlinDay(10, 15))
    await one.getByRole('button', { name: 'Move' }).click()
    await dialog.locator('ul.meetings li', { hasText: 'moved' }).waitFor()

    // The third date is cancelled: two remain.
    await items.nth(2).getByRole('button', { name: 'Change this date' }).click()
    await dialog.getByRole('button', { name: 'Cancel this date' }).click()
    await items.nth(2).waitFor({ state: 'detached' })
    const after = await aliceApi.meetings.upcoming({ roomId, timeZone: 'Europe/Berlin' })
    assert.deepEqual(
      after.map((o) => [o.startLocal.slice(0, 16), o.moved]),
      [
        [berlinDay(2, 10), false],
        [berlinDay(10, 14), true],
      ],
    )
    await checkLooks(page, 'meetings-edited')
    assert.deepEqual(alice.errors, [])
  })
})
