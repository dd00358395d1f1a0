/**
 * Files shared with a call through the web client, in Debian's Chromium against a real `parley
 * serve` (mesh engine): Alice picks a file with the call's "Share a file with the call" control
 * (keyboard), sees its upload progress, and Bob sees the announcement in his call view, downloads
 * the very same bytes from it, and finds the file in the room's chat too. A picture is announced
 * with its preview. Runs inside the media tests' network namespace (npm run test:web).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Browser, Page, Route } from 'playwright-core'
import { png } from '@parley/server/testing/files'
import {
  assertAccessible,
  checkLooks,
  launchBrowser,
  openPerson,
  screenshot,
  signIn,
  type PersonPage,
} from './browser.ts'
import { noise, pickFiles } from './file-chooser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'
import { createRoom, signInAndJoin, waitForRemoteVideo } from './people.ts'

const MB = 1_000_000
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

/** Opens the file chooser from the call's control with the keyboard, as a person without a mouse does. */
async function shareFromCall(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const control = page.getByRole('toolbar', { name: 'Call controls' }).getByRole('button', {
    name: 'Share a file with the call',
  })
  // The control is disabled while an earlier share is still uploading: wait until it can be used.
  await control.and(page.locator(':enabled')).waitFor()
  await pickFiles(page, () => control.press('Enter'), file)
}

describe('web client: sharing a file with a call', () => {
  let server: Served
  let browser: Browser
  let alice: PersonPage
  let bob: PersonPage

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', 'alice password 1', { admin: true, displayName: 'Alice' })
    await server.addUser('bob', 'bob password 12', { displayName: 'Bob' })
    browser = await launchBrowser()
    alice = await openPerson(browser, server.origin)
    await signIn(alice.page, 'alice', 'alice password 1')
    const roomId = await createRoom(alice.page, { name: 'Review', kind: 'public' })
    bob = await openPerson(browser, server.origin)
    await signInAndJoin(bob.page, server.origin, 'bob', 'bob password 12', roomId, 'Review')
    for (const person of [alice, bob]) {
      await person.page.getByRole('button', { name: 'Start call' }).click()
      await person.page.locator('.checks [data-check="camera"][data-result="ok"]').waitFor()
      await person.page.getByRole('button', { name: 'Join now' }).click()
      await person.page.getByRole('toolbar', { name: 'Call controls' }).waitFor()
    }
    await waitForRemoteVideo(alice.page)
    await waitForRemoteVideo(bob.page)
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('Alice shares a file from the call view with progress; Bob sees it announced, downloads the same bytes, and it is in the chat', async () => {
    const page = alice.page
    const data = noise(2.5 * MB)
    // The second chunk is held on its way (a slow link), so the upload is seen in progress.
    let held: Route | null = null
    let chunks = 0
    const heldChunk = new Promise<void>((resolve) => {
      void page.route('**/uploads/**', async (route) => {
        if (route.request().method() !== 'PATCH') return route.continue()
        if (++chunks !== 2) return route.continue()
        held = route
        resolve()
      })
    })
    await shareFromCall(page, { name: 'slides.bin', mimeType: 'application/octet-stream', buffer: data })
    await heldChunk
    const progress = page.getByRole('progressbar', { name: 'Uploading slides.bin' })
    await page.waitForFunction(
      (el) => Number((el as unknown as { value: number }).value) > 0,
      await progress.elementHandle(),
    )
    await page.getByText('1 MB / 2.5 MB').waitFor()
    await assertAccessible(page, 'call with a file upload in progress')
    await screenshot(page, 'call-file-progress')
    // The control waits for this upload to finish.
    assert.equal(
      await page.getByRole('button', { name: 'Share a file with the call' }).isDisabled(),
      true,
      'one file at a time',
    )
    await (held as Route | null)?.continue()
    await progress.waitFor({ state: 'detached' })
    await page.unroute('**/uploads/**')

    // Bob's call view announces it in its log (a live region), with a download link.
    const log = bob.page.getByRole('log', { name: 'Files shared in the call' })
    const announced = log.getByRole('listitem').filter({ hasText: 'Alice shared slides.bin' })
    await announced.waitFor()
    await page.getByRole('log', { name: 'Files shared in the call' }).getByText('You shared slides.bin').waitFor()
    const [download] = await Promise.all([
      bob.page.waitForEvent('download'),
      announced.getByRole('link', { name: /^Download slides\.bin \(2\.5 MB\)$/ }).click(),
    ])
    assert.equal(download.suggestedFilename(), 'slides.bin')
    assert.equal(sha256(await readFile(await download.path())), sha256(data), 'the same bytes as were shared')

    // It is a message of the room's chat as well (the chat stays below the call).
    await bob.page
      .locator('li.message', { has: bob.page.locator('.attachment') })
      .filter({ hasText: 'slides.bin' })
      .waitFor()
  })

  it('a picture shared with the call is announced with its preview (looks: desktop and phone, light and dark)', async () => {
    const picture = await png(640, 480)
    await shareFromCall(alice.page, { name: 'whiteboard.png', mimeType: 'image/png', buffer: picture })
    const announced = bob.page
      .getByRole('log', { name: 'Files shared in the call' })
      .getByRole('listitem')
      .filter({ hasText: 'Alice shared whiteboard.png' })
    const preview = announced.getByRole('img', { name: 'Image whiteboard.png; open it full size' })
    await preview.waitFor()
    await bob.page.waitForFunction(
      (img) =>
        (img as unknown as { complete: boolean; naturalWidth: number }).complete &&
        (img as unknown as { naturalWidth: number }).naturalWidth > 0,
      await preview.elementHandle(),
    )
    await bob.page.locator('li.message').filter({ hasText: 'whiteboard.png' }).waitFor()
    await checkLooks(bob.page, 'call-file-shared')
  })
})
