/**
 * Files in rooms through the web client, in Debian's Chromium against a real `parley serve` with a
 * small file limit and quota: one person attaches an image, the other sees its thumbnail and
 * downloads the very same bytes; a file dropped on the chat is shared too; an upload shows its
 * progress and can be cancelled (the server drops it); refusals (too large, over quota) in words.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Browser, Page, Route } from 'playwright-core'
import { ParleyClient } from '@parley/client'
import { png } from '@parley/server/testing/files'
import { assertAccessible, launchBrowser, openPerson, screenshot, signIn, type PersonPage } from './browser.ts'
import { noise, pickFiles } from './file-chooser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'

const PASSWORD = { alice: 'alice password 1', bob: 'bob password 12' }
const MB = 1_000_000
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

/** Attaches files through the "Attach files" button and the browser's file chooser, as a person does. */
async function attach(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  await pickFiles(page, () => page.getByRole('button', { name: 'Attach files' }).click(), file)
}

describe('web client: files in rooms', () => {
  let server: Served
  let browser: Browser
  let alice: PersonPage
  let bob: PersonPage
  let aliceApi: ParleyClient
  let roomId = ''

  before(async () => {
    await ensureWebBuilt()
    server = await serve({ PARLEY_FILES_MAX_BYTES: String(3 * MB), PARLEY_FILES_QUOTA_BYTES: String(5 * MB) })
    await server.addUser('alice', PASSWORD.alice, { admin: true, displayName: 'Alice' })
    await server.addUser('bob', PASSWORD.bob, { displayName: 'Bob' })
    aliceApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    const bobApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    roomId = (await aliceApi.createRoom({ kind: 'public', name: 'Photos' })).id
    await bobApi.join(roomId)
    browser = await launchBrowser()
    alice = await openPerson(browser, server.origin)
    bob = await openPerson(browser, server.origin)
    await signIn(alice.page, 'alice', PASSWORD.alice)
    await signIn(bob.page, 'bob', PASSWORD.bob)
    for (const person of [alice, bob]) {
      await person.page.getByRole('link', { name: /^Photos/ }).click()
      await person.page.getByRole('combobox', { name: 'Message Photos' }).waitFor()
    }
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('an attached image: the other person sees its thumbnail and downloads the same bytes', async () => {
    const picture = await png(640, 480)
    await attach(alice.page, { name: 'sunset.png', mimeType: 'image/png', buffer: picture })

    const message = bob.page.locator('li.message', { has: bob.page.locator('.attachment') }).filter({
      hasText: 'sunset.png',
    })
    const thumbnail = message.getByRole('img', { name: 'Image sunset.png; open it full size' })
    await thumbnail.waitFor()
    // The thumbnail decoded (a picture, not a broken-image icon), smaller than the original.
    await bob.page.waitForFunction(
      (img) =>
        (img as unknown as { complete: boolean; naturalWidth: number }).complete &&
        (img as unknown as { naturalWidth: number }).naturalWidth > 0,
      await thumbnail.elementHandle(),
    )
    const natural = await thumbnail.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)
    assert.ok(natural > 0 && natural <= 640, `thumbnail ${natural}px wide`)
    await message.getByText(/^\d+(\.\d)? kB$/).waitFor()
    // The room list says what was shared.
    await bob.page
      .getByRole('link', { name: /^Photos/ })
      .filter({ hasText: 'Alice: sunset.png' })
      .waitFor()

    const [download] = await Promise.all([
      bob.page.waitForEvent('download'),
      message.getByRole('link', { name: /^Download sunset\.png \(/ }).click(),
    ])
    assert.equal(download.suggestedFilename(), 'sunset.png')
    const received = await readFile(await download.path())
    assert.equal(sha256(received), sha256(picture), 'the downloaded bytes are the uploaded ones')
    await assertAccessible(bob.page, 'chat with an image')
    await screenshot(bob.page, 'files-image')
  })

  it('a file dropped on the chat is shared; the drop target says where it goes', async () => {
    const text = 'Minutes of the meeting\n'
    const dataTransfer = await alice.page.evaluateHandle((content) => {
      const g = globalThis as unknown as {
        DataTransfer: new () => { items: { add(file: unknown): void } }
        File: new (parts: string[], name: string, options: { type: string }) => unknown
      }
      const transfer = new g.DataTransfer()
      transfer.items.add(new g.File([content], 'minutes.txt', { type: 'text/plain' }))
      return transfer
    }, text)
    const chat = alice.page.locator('.chat')
    await chat.dispatchEvent('dragenter', { dataTransfer })
    await alice.page.getByText('Drop files to share them in Photos').waitFor()
    await screenshot(alice.page, 'files-drop')
    await chat.dispatchEvent('dragover', { dataTransfer })
    await chat.dispatchEvent('drop', { dataTransfer })
    await alice.page.getByText('Drop files to share them in Photos').waitFor({ state: 'detached' })

    const message = bob.page.locator('li.message').filter({ hasText: 'minutes.txt' })
    const [download] = await Promise.all([
      bob.page.waitForEvent('download'),
      message.getByRole('link', { name: /^Download minutes\.txt/ }).click(),
    ])
    assert.equal(await readFile(await download.path(), 'utf8'), text)
  })

  it('shows an upload’s progress; cancelling it stops it and the server drops it', async () => {
    const page = alice.page
    // The second chunk is held on its way (a slow link), so the upload is seen in progress.
    let location = ''
    let held: Route | null = null
    let chunks = 0
    const heldChunk = new Promise<void>((resolve) => {
      void page.route('**/uploads/**', async (route) => {
        if (route.request().method() !== 'PATCH') return route.continue()
        location = new URL(route.request().url()).pathname
        if (++chunks < 2) return route.continue()
        held = route
        resolve()
      })
    })
    await attach(page, { name: 'archive.bin', mimeType: 'application/octet-stream', buffer: noise(2.5 * MB) })
    await heldChunk
    const progress = page.getByRole('progressbar', { name: 'Uploading archive.bin' })
    await page.waitForFunction(
      (el) => Number((el as unknown as { value: number }).value) > 0,
      await progress.elementHandle(),
    )
    await page.getByText('1 MB / 2.5 MB').waitFor()
    await assertAccessible(page, 'upload in progress')
    await screenshot(page, 'files-progress')

    await page.getByRole('button', { name: 'Cancel upload of archive.bin' }).click()
    await progress.waitFor({ state: 'detached' })
    await (held as Route | null)?.abort().catch(() => {})
    await page.unroute('**/uploads/**')
    // The server forgot the upload: asking for its offset is refused.
    const asked = async () =>
      (
        await fetch(`${server.origin}${location}`, {
          method: 'HEAD',
          headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${await server.token('alice')}` },
        })
      ).status
    for (let status = await asked(); status !== 404; status = await asked())
      assert.ok(status === 200 || status === 204, `HEAD ${location}: ${status}`)
    // And nobody got a file message: a later message arrives with no archive before it.
    await aliceApi.post(roomId, 'after the cancel')
    await bob.page.locator('li.message', { hasText: 'after the cancel' }).waitFor()
    assert.equal(await bob.page.locator('li.message', { hasText: 'archive.bin' }).count(), 0)
  })

  it('refusals in words: a file too large, then one past the quota', async () => {
    const page = alice.page
    await attach(page, { name: 'huge.bin', mimeType: 'application/octet-stream', buffer: noise(3.5 * MB) })
    const tooLarge = page
      .getByRole('alert')
      .filter({ hasText: 'huge.bin is too large: this server takes files up to 3 MB.' })
    await tooLarge.waitFor()
    await assertAccessible(page, 'upload refused')
    await screenshot(page, 'files-refused')
    await page.getByRole('button', { name: 'Dismiss the message about huge.bin' }).click()
    await tooLarge.waitFor({ state: 'detached' })

    await attach(page, { name: 'first.bin', mimeType: 'application/octet-stream', buffer: noise(2.9 * MB) })
    await bob.page.locator('li.message').filter({ hasText: 'first.bin' }).waitFor()
    await attach(page, { name: 'second.bin', mimeType: 'application/octet-stream', buffer: noise(2.9 * MB) })
    await page
      .getByRole('alert')
      .filter({ hasText: /^second\.bin does not fit: you share [\d.]+ MB of your 5 MB\./ })
      .waitFor()
    assert.equal(await bob.page.locator('li.message', { hasText: 'second.bin' }).count(), 0)
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })
})
