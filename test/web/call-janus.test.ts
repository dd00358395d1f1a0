/**
 * A call on the Janus engine through the web client, in Debian's Chromium against a real
 * `parley serve` that supervises Debian's Janus (inside the media tests' network namespace: Janus
 * gathers ICE on its veth address only). Both browsers have fake-media.ts's camera (four coloured
 * quadrants) and microphone (a steady tone), so what arrives can be checked by what it shows:
 * each page decodes the other's picture; the highlight follows whoever speaks; a camera turned off
 * stops on the other side and comes back; the moderator records from the call view, everyone
 * sees the indicator, and the recording is listed in the room's Recordings tab as a download that
 * plays back the picture; the moderator admits a guest from the lobby without leaving the call and
 * removes a participant, whose view says so in words.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { ParleyClient } from '@parley/client'
import { fakeMedia } from '../media/fake-media.ts'
import { tempDir } from '../media/harness.ts'
import { MEDIA_INTERFACE, requireMediaNetns } from '../media/netns.ts'
import { assertAccessible, launchBrowser, openPerson, screenshot, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'
import { createRoom, signInAndJoin, waitForRemoteVideo } from './people.ts'
import { isQuadrants, mirror, seen, waitForStill, waitToSee } from './pictures.ts'

const PASSWORD = { alice: 'alice password 1', bob: 'bob password 12' }

/** The camera tile of `name` as `page` shows it (their own tile carries "(you)"). */
function cameraTile(page: Page, name: string, local = false) {
  return page
    .locator(`figure.video-tile${local ? '[data-local]' : ':not([data-local])'}:not([data-screen])`)
    .filter({ has: page.locator('figcaption', { hasText: name }) })
}

async function startCall(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Start call' }).click()
  await page.locator('.checks [data-check="camera"][data-result="ok"]').waitFor()
  await page.getByRole('button', { name: 'Join now' }).click()
  await page.getByRole('toolbar', { name: 'Call controls' }).waitFor()
}

describe('web client: a Janus call — speaker, camera, recording, lobby and removal', () => {
  let server: Served
  let browser: Browser
  let launched: Promise<Browser> | undefined
  let media: Awaited<ReturnType<typeof tempDir>>
  let alice: PersonPage
  let bob: PersonPage
  let roomId = ''

  before(async () => {
    requireMediaNetns()
    media = await tempDir('parley-web-media-')
    const fake = await fakeMedia(media.path, { microphone: 'voice' })
    await ensureWebBuilt()
    server = await serve({
      PARLEY_MEDIA_ENGINE: 'janus',
      PARLEY_JANUS_ICE_INTERFACES: MEDIA_INTERFACE,
      PARLEY_JANUS_RTP_PORT_RANGE: '21000-21199',
    })
    // Chromium starts while the CLI makes the people (each a process of its own).
    launched = launchBrowser({ args: fake.args })
    await server.addUser('alice', PASSWORD.alice, { admin: true, displayName: 'Alice' })
    await server.addUser('bob', PASSWORD.bob, { displayName: 'Bob' })
    browser = await launched
  })
  after(async () => {
    // Also when set-up failed after Chromium was started.
    await (browser ?? (await launched?.catch(() => undefined)))?.close()
    await server?.close()
    await media?.remove()
  })

  it('each page decodes the other one’s picture through Janus, and the highlight follows who speaks', async () => {
    alice = await openPerson(browser, server.origin)
    await signIn(alice.page, 'alice', PASSWORD.alice)
    roomId = await createRoom(alice.page, { name: 'Review', kind: 'public' })
    bob = await openPerson(browser, server.origin)
    await signInAndJoin(bob.page, server.origin, 'bob', PASSWORD.bob, roomId, 'Review')
    await startCall(alice.page)
    await startCall(bob.page)
    await waitForRemoteVideo(alice.page)
    await waitForRemoteVideo(bob.page)
    await waitToSee(alice.page, cameraTile(alice.page, 'Bob'), 'Bob’s camera picture', (s) => isQuadrants(s.quadrants))
    await waitToSee(bob.page, cameraTile(bob.page, 'Alice'), 'Alice’s camera picture', (s) => isQuadrants(s.quadrants))

    // Alice is quiet, Bob's microphone plays its tone: Janus hears him, both pages mark him.
    await alice.page.getByRole('button', { name: 'Mute microphone' }).click()
    await cameraTile(alice.page, 'Bob').and(alice.page.locator('.speaking')).waitFor()
    await cameraTile(bob.page, 'Bob', true).and(bob.page.locator('.speaking')).waitFor()
    await cameraTile(alice.page, 'Bob').getByText('speaking').waitFor({ state: 'attached' })
    assert.equal(await cameraTile(alice.page, 'Alice', true).and(alice.page.locator('.speaking')).count(), 0)
    await screenshot(alice.page, 'call-janus-speaking')

    // They swap: the highlight leaves Bob and goes to Alice, on both pages.
    await bob.page.getByRole('button', { name: 'Mute microphone' }).click()
    await alice.page.getByRole('button', { name: 'Unmute microphone' }).click()
    await cameraTile(bob.page, 'Alice').and(bob.page.locator('.speaking')).waitFor()
    await cameraTile(alice.page, 'Alice', true).and(alice.page.locator('.speaking')).waitFor()
    await cameraTile(bob.page, 'Bob', true).and(bob.page.locator('.speaking')).waitFor({ state: 'detached' })
    await cameraTile(alice.page, 'Bob').and(alice.page.locator('.speaking')).waitFor({ state: 'detached' })
    // The speaker view features the one speaking.
    await bob.page.getByRole('button', { name: 'Speaker view' }).click()
    await bob.page.locator('.layout-speaker .tile.featured figure.speaking', { hasText: 'Alice' }).waitFor()
    await bob.page.getByRole('button', { name: 'Grid view' }).click()
  })

  it('a camera turned off stops on the other side (avatar shown, no more frames), and its picture comes back when turned on', async () => {
    const bobOnAlice = cameraTile(alice.page, 'Bob')
    // What arrives from Bob, read from a visible copy of his stream (the tile hides its video).
    const arriving = await mirror(alice.page, bobOnAlice, 'bob-stream')
    const flowing = (await waitToSee(alice.page, arriving, 'Bob’s camera picture', (s) => isQuadrants(s.quadrants)))
      .frames
    await waitToSee(alice.page, arriving, 'Bob’s video flowing', (s) => s.frames > flowing + 15)
    await bob.page.getByRole('button', { name: 'Turn camera off' }).click()
    // Bob's picture gives way to his avatar, and his video stops arriving (Janus holds it back).
    await bobOnAlice.locator('video').waitFor({ state: 'hidden' })
    await bobOnAlice.locator('.avatar').waitFor()
    // No new frame of Bob's while Alice's self view shows 15 new ones of her camera.
    await waitForStill(alice.page, arriving, 'Bob’s video', cameraTile(alice.page, 'Alice', true))
    await screenshot(alice.page, 'call-janus-camera-off')

    await bob.page.getByRole('button', { name: 'Turn camera on' }).click()
    await bobOnAlice.locator('video').waitFor({ state: 'visible' })
    const still = (await seen(arriving)).frames
    await waitToSee(
      alice.page,
      arriving,
      'Bob’s camera picture again',
      (s) => s.frames > still + 15 && isQuadrants(s.quadrants),
    )
    await arriving.evaluate((host) => (host as unknown as { remove(): void }).remove())
    const before = (await seen(bobOnAlice)).frames
    await waitToSee(
      alice.page,
      bobOnAlice,
      'Bob’s tile showing new frames',
      (s) => s.frames > before + 10 && isQuadrants(s.quadrants),
    )
  })

  it('recording from the call view: everyone sees the indicator, then the room lists a download that plays', async () => {
    // Bob is still muted from the first test: his muted microphone must not spoil the recording.
    await bob.page.getByRole('button', { name: 'Unmute microphone' }).waitFor()
    await alice.page.getByRole('button', { name: 'Start recording' }).click()
    await alice.page.locator('.recording-indicator[role="status"]', { hasText: 'Recording' }).waitFor()
    await bob.page.locator('.recording-indicator[role="status"]', { hasText: 'Recording' }).waitFor()
    // Bob cannot record: the button is the moderator's.
    assert.equal(await bob.page.getByRole('button', { name: /recording/ }).count(), 0)
    await assertAccessible(alice.page, 'call recording')
    await screenshot(alice.page, 'call-janus-recording')
    // Let a couple of seconds of Bob's picture reach the recorder: counted in frames Alice decodes.
    const start = (await waitToSee(alice.page, cameraTile(alice.page, 'Bob'), 'frames', () => true)).frames
    await waitToSee(alice.page, cameraTile(alice.page, 'Bob'), '60 more frames', (s) => s.frames > start + 60)

    await alice.page.getByRole('button', { name: 'Stop recording' }).click()
    await bob.page.locator('.recording-indicator').waitFor({ state: 'detached' })
    await alice.page.getByText('Recording saved: find it in the room’s details, under Recordings.').waitFor()

    await alice.page.getByRole('button', { name: 'Room details' }).click()
    const details = alice.page.getByRole('dialog', { name: 'Review' })
    await details.getByRole('tab', { name: 'Recordings' }).click()
    // Alice's camera and microphone, and Bob's camera: his microphone stayed muted (paused on the
    // SFU, nothing recorded), which leaves his audio out and everything else in. Each says whose.
    const items = details.locator('li.recording')
    await items.nth(2).waitFor()
    assert.equal(await items.count(), 3)
    for (const what of ['Alice · camera (video)', 'Bob · camera (video)', 'Alice · microphone (audio)'])
      assert.equal(await items.filter({ hasText: what }).count(), 1, what)
    const bobsCamera = items.filter({ hasText: 'Bob · camera (video)' })
    await assertAccessible(alice.page, 'recordings tab')
    await screenshot(alice.page, 'room-recordings')

    // Its download is a WebM file (EBML magic), as large as listed.
    const [download] = await Promise.all([
      alice.page.waitForEvent('download'),
      bobsCamera.getByRole('link', { name: /^Download Bob · camera \(video\)/ }).click(),
    ])
    const bytes = await readFile(await download.path())
    assert.deepEqual([...bytes.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], 'a WebM (EBML) file')
    const api = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    const listed = (await api.recordings(roomId)).recordings.find((r) => r.actor?.name === 'Bob' && r.kind === 'video')
    assert.equal(bytes.length, listed?.bytes, 'the whole file')

    // And it plays right there, showing the camera's picture.
    await bobsCamera.getByRole('button', { name: /^Play Bob · camera \(video\)/ }).click()
    await waitToSee(
      alice.page,
      bobsCamera,
      'the recording play back the camera picture',
      (s) => s.frames > 5 && isQuadrants(s.quadrants),
    )
    await screenshot(alice.page, 'room-recording-playing')
    await bobsCamera.getByRole('button', { name: /^Close the player of Bob · camera \(video\)/ }).click()
    await bobsCamera.locator('video').waitFor({ state: 'detached' })
    await alice.page.keyboard.press('Escape')

    // Bob, who may not record, finds it listed too.
    await bob.page.getByRole('button', { name: 'Room details' }).click()
    const bobDetails = bob.page.getByRole('dialog', { name: 'Review' })
    await bobDetails.getByRole('tab', { name: 'Recordings' }).click()
    await bobDetails.locator('li.recording').nth(2).waitFor()
    assert.equal(await bobDetails.locator('li.recording').count(), 3)
    assert.equal(await bobDetails.getByRole('button', { name: /^Delete/ }).count(), 0, 'deleting is for moderators')
    await bob.page.keyboard.press('Escape')
  })

  it('the moderator admits a guest waiting in the lobby from the call’s participant list', async () => {
    // The lobby turned on in the room's settings, without leaving the call.
    await alice.page.getByRole('button', { name: 'Room details' }).click()
    const details = alice.page.getByRole('dialog', { name: 'Review' })
    await details.getByRole('tab', { name: 'Settings' }).click()
    await details.getByRole('switch', { name: 'Lobby: a moderator admits people who come by link' }).click()
    await details.getByRole('button', { name: 'Save' }).click()
    await details.getByText('Saved', { exact: true }).waitFor()
    await alice.page.keyboard.press('Escape')
    await details.waitFor({ state: 'detached' })
    await alice.page.getByRole('button', { name: /^Participants/ }).click()
    const panel = alice.page.getByRole('complementary', { name: 'Participants' })
    await panel.waitFor()

    const guest = await openPerson(browser, server.origin, { path: `/join/${encodeURIComponent(roomId)}` })
    await guest.page.getByLabel('Your name').fill('Vera')
    await guest.page.getByRole('button', { name: 'Join' }).click()
    await guest.page.getByText('Waiting for a moderator to let you in…').waitFor()

    // The panel, open since before she knocked, shows her waiting.
    await panel.getByRole('heading', { name: 'Waiting in the lobby' }).waitFor()
    const vera = panel.locator('li', { hasText: 'Vera' })
    await screenshot(alice.page, 'call-janus-lobby')
    await assertAccessible(alice.page, 'call lobby')
    await vera.getByRole('button', { name: 'Admit' }).click()
    await guest.page.getByRole('heading', { name: 'Review', level: 1 }).waitFor()
    await panel.getByRole('heading', { name: 'Waiting in the lobby' }).waitFor({ state: 'detached' })
    // Still in the call all along.
    await waitForRemoteVideo(alice.page)
    assert.deepEqual(guest.errors, [])
    await guest.context.close()
  })

  it('the moderator removes Bob from the call: his view says so, Alice’s loses his tile', async () => {
    const panel = alice.page.getByRole('complementary', { name: 'Participants' })
    await panel.getByRole('button', { name: 'Remove Bob from the call' }).click()
    await bob.page.getByRole('status').filter({ hasText: 'A moderator removed you from the call.' }).waitFor()
    await cameraTile(alice.page, 'Bob').waitFor({ state: 'detached' })
    await panel.getByText('Bob').waitFor({ state: 'detached' })
    await assertAccessible(bob.page, 'removed from the call')
    await screenshot(bob.page, 'call-removed')
    // Alice is still in the call.
    await alice.page.getByRole('toolbar', { name: 'Call controls' }).waitFor()
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })
})
