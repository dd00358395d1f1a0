/**
 * The room's shared files (room details → Files), in Debian's Chromium against a real `parley
 * serve`: the list fills live as files are shared (a picture with its preview, who shared it),
 * downloads give the very bytes shared, older files come a page at a time, and the sharer (or a
 * moderator) deletes a file — gone from everyone's list and from the server; a member cannot
 * delete someone else's.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import type { Browser, Page } from 'playwright-core'
import { ParleyClient } from '@parley/client'
import { png } from '@parley/server/testing/files'
import { checkLooks, launchBrowser, openPerson, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')
/** The page size of the Files tab (web/src/components/rooms/files-panel.tsx). */
const PAGE = 20

async function openFiles(page: Page) {
  await page.getByRole('link', { name: /^Library/ }).click()
  await page.getByRole('heading', { name: 'Library', level: 1 }).waitFor()
  await page.getByRole('button', { name: 'Room details' }).click()
  const dialog = page.getByRole('dialog', { name: 'Library' })
  await dialog.getByRole('tab', { name: 'Files' }).click()
  return dialog
}

describe('web client: the room’s shared files', () => {
  let server: Served
  let browser: Browser
  let alice: PersonPage
  let bob: PersonPage
  let aliceApi: ParleyClient
  let bobApi: ParleyClient
  let roomId = ''
  let picture: Buffer

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', 'alice password 1', { displayName: 'Alice' })
    await server.addUser('bob', 'bob password 12', { displayName: 'Bob' })
    aliceApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    bobApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    roomId = (await aliceApi.createRoom({ kind: 'group', name: 'Library' })).id
    await aliceApi.addParticipant(roomId, (await bobApi.me()).id)
    picture = await png(480, 360)
    browser = await launchBrowser()
    alice = await openPerson(browser, server.origin)
    bob = await openPerson(browser, server.origin)
    await signIn(alice.page, 'alice', 'alice password 1')
    await signIn(bob.page, 'bob', 'bob password 12')
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('fills live: a picture shared while the tab is open shows its preview, who shared it, and downloads the same bytes', async () => {
    const dialog = await openFiles(alice.page)
    await dialog.getByText('No files shared in this room yet.').waitFor()

    await bobApi.files.upload(roomId, picture, { name: 'map.png', type: 'image/png' })
    const item = dialog.locator('li.shared-file', { hasText: 'map.png' })
    await item.getByText(/shared by Bob/).waitFor()
    const preview = item.getByRole('img', { name: 'Image map.png; open it full size' })
    await alice.page.waitForFunction(
      (img) => {
        const image = img as unknown as { complete: boolean; naturalWidth: number }
        return image.complete && image.naturalWidth > 0
      },
      await preview.elementHandle(),
    )
    const href = await item.getByRole('link', { name: /^Download map\.png/ }).getAttribute('href')
    assert.ok(href)
    // The link with the page's own session, as the browser follows it.
    const downloaded = await alice.page.request.get(new URL(href, server.origin).href)
    assert.equal(downloaded.status(), 200)
    assert.equal(sha256(await downloaded.body()), sha256(picture))
    assert.deepEqual(alice.errors, [])
  })

  it('older files come a page at a time', async () => {
    for (let i = 1; i <= PAGE; i++)
      await aliceApi.files.upload(roomId, new TextEncoder().encode(`note ${i}\n`), {
        name: `note-${String(i).padStart(2, '0')}.txt`,
        type: 'text/plain',
      })
    const dialog = alice.page.getByRole('dialog', { name: 'Library' })
    const items = dialog.locator('li.shared-file')
    // Live: the newest page, the picture (the oldest) behind "Show older files".
    await dialog.locator('li.shared-file', { hasText: `note-${PAGE}.txt` }).waitFor()
    await dialog.getByRole('button', { name: 'Show older files' }).waitFor()
    assert.equal(await items.count(), PAGE)
    assert.equal(await dialog.locator('li.shared-file', { hasText: 'map.png' }).count(), 0)
    await dialog.getByRole('button', { name: 'Show older files' }).click()
    await dialog.locator('li.shared-file', { hasText: 'map.png' }).waitFor()
    assert.equal(await items.count(), PAGE + 1)
    assert.equal(await dialog.getByRole('button', { name: 'Show older files' }).count(), 0)
    await checkLooks(alice.page, 'room-files')
  })

  it("the sharer deletes their file: gone for everyone; a member has no delete on others' files", async () => {
    const dialog = await openFiles(bob.page)
    const map = dialog.locator('li.shared-file', { hasText: 'map.png' })
    const note = dialog.locator('li.shared-file', { hasText: `note-${PAGE}.txt` })
    await note.waitFor()
    // Bob is a member: Alice's notes are not his to delete (the older page holds his picture).
    assert.equal(await note.getByRole('button', { name: /^Delete/ }).count(), 0)
    await dialog.getByRole('button', { name: 'Show older files' }).click()
    await map.getByRole('button', { name: 'Delete map.png' }).click() // the confirm() is accepted
    await map.waitFor({ state: 'detached' })
    // Alice's open list follows, and the server no longer lists it.
    await alice.page
      .getByRole('dialog', { name: 'Library' })
      .locator('li.shared-file', { hasText: 'map.png' })
      .waitFor({ state: 'detached' })
    const listed = await aliceApi.files.list(roomId, { limit: 200 })
    assert.deepEqual(
      listed.files.filter((f) => f.file.name === 'map.png'),
      [],
    )
    assert.equal(listed.files.length, PAGE)
    assert.deepEqual(bob.errors, [])
  })
})
