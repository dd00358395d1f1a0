/**
 * End-to-end encryption, honestly shown, in Debian's Chromium against a real `parley serve` (mesh
 * engine): a room made with end-to-end encrypted calls says so before joining; in the call each
 * page decodes the other's (encrypted) video, says with whom it is end-to-end encrypted, and both
 * show the same verification code; recording is not offered. A browser without WebRTC encoded
 * transforms — Chromium with them removed before the page loads, standing in for an old browser —
 * is told in words that it cannot join, and is not let in.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { assertAccessible, launchBrowser, openPerson, screenshot, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'
import { signInAndJoin, waitForRemoteVideo } from './people.ts'

const PASSWORD = { alice: 'alice password 1', bob: 'bob password 12', carol: 'carol password 1' }

async function verificationCode(page: Page): Promise<string> {
  const code = page.locator('.e2ee-bar code')
  await code.waitFor()
  return ((await code.textContent()) ?? '').trim()
}

describe('web client: end-to-end encrypted calls, honestly shown', () => {
  let server: Served
  let browser: Browser
  let alice: PersonPage
  let bob: PersonPage
  let roomId = ''

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', PASSWORD.alice, { admin: true, displayName: 'Alice' })
    await server.addUser('bob', PASSWORD.bob, { displayName: 'Bob' })
    await server.addUser('carol', PASSWORD.carol, { displayName: 'Carol' })
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('a room made with end-to-end encrypted calls says so, and so does the call before joining', async () => {
    alice = await openPerson(browser, server.origin)
    await signIn(alice.page, 'alice', PASSWORD.alice)
    await alice.page.getByRole('button', { name: 'New room' }).click()
    const dialog = alice.page.getByRole('dialog', { name: 'Create a room' })
    await dialog.getByLabel('Public (anyone with the link, guests too)').check()
    await dialog.getByLabel('Name', { exact: true }).fill('Board')
    await dialog.getByLabel('End-to-end encrypted calls (they cannot be recorded)').check()
    await dialog.getByRole('button', { name: 'Create' }).click()
    await alice.page.getByRole('heading', { name: 'Board', level: 1 }).waitFor()
    roomId = decodeURIComponent(new URL(alice.page.url()).pathname.split('/')[2] ?? '')
    await alice.page.locator('.room-header').getByText('End-to-end encrypted calls').waitFor()

    await alice.page.getByRole('button', { name: 'Start call' }).click()
    await alice.page.getByText(/^This call is end-to-end encrypted: your camera/).waitFor()
    await alice.page.locator('.checks [data-check="camera"][data-result="ok"]').waitFor()
    await assertAccessible(alice.page, 'e2ee pre-join')
    await alice.page.getByRole('button', { name: 'Join now' }).click()
    await alice.page.getByRole('toolbar', { name: 'Call controls' }).waitFor()
    // Alone so far: encrypted, with nobody yet.
    await alice.page.locator('.e2ee-bar', { hasText: 'Nobody else is in the call yet.' }).waitFor()
  })

  it('in the call: each decodes the other, sees with whom it is encrypted and the same code; no recording', async () => {
    bob = await openPerson(browser, server.origin)
    await signInAndJoin(bob.page, server.origin, 'bob', PASSWORD.bob, roomId, 'Board')
    await bob.page.getByRole('button', { name: 'Start call' }).click()
    await bob.page.locator('.checks [data-check="camera"][data-result="ok"]').waitFor()
    await bob.page.getByRole('button', { name: 'Join now' }).click()

    await waitForRemoteVideo(alice.page)
    await waitForRemoteVideo(bob.page)
    await alice.page.locator('.e2ee-bar', { hasText: 'End-to-end encrypted with Bob.' }).waitFor()
    await bob.page.locator('.e2ee-bar', { hasText: 'End-to-end encrypted with Alice.' }).waitFor()
    const [a, b] = [await verificationCode(alice.page), await verificationCode(bob.page)]
    assert.match(a, /^\d{5}( \d{5}){4}$/)
    assert.equal(a, b, 'both see the same verification code')
    // The other one's tile says its media is end-to-end encrypted.
    await alice.page
      .locator('figure.video-tile:not([data-local]) figcaption [aria-label="end-to-end encrypted"]')
      .waitFor()
    assert.equal(await alice.page.getByRole('button', { name: 'Start recording' }).count(), 0)
    await assertAccessible(alice.page, 'e2ee call')
    await screenshot(alice.page, 'e2ee-call')
  })

  it('a browser that cannot encrypt is told so in words and cannot join', async () => {
    const carol = await openPerson(browser, server.origin, {
      // Stands in for an old browser: the encoded-transform APIs gone before the app loads.
      init: () => {
        const g = globalThis as unknown as Record<string, unknown> & {
          RTCRtpSender: { prototype: Record<string, unknown> }
          RTCRtpReceiver: { prototype: Record<string, unknown> }
        }
        delete g.RTCRtpScriptTransform
        delete g.RTCRtpSender.prototype.createEncodedStreams
        delete g.RTCRtpReceiver.prototype.createEncodedStreams
      },
    })
    await signInAndJoin(carol.page, server.origin, 'carol', PASSWORD.carol, roomId, 'Board')
    await carol.page.getByRole('button', { name: 'Start call' }).click()
    const refusal = carol.page.getByRole('alert').filter({
      hasText: 'This browser cannot encrypt calls, and this room’s calls are always end-to-end encrypted.',
    })
    await refusal.waitFor()
    assert.match((await refusal.textContent()) ?? '', /Join from a current Chrome, Edge, Firefox or Safari\./)
    assert.match((await refusal.textContent()) ?? '', /no WebRTC encoded transforms/)
    assert.equal(await carol.page.getByRole('button', { name: 'Join now' }).isDisabled(), true)
    await assertAccessible(carol.page, 'e2ee refusal')
    await screenshot(carol.page, 'e2ee-refused')
    // The call goes on with the two who can encrypt: carol never appeared in it.
    await alice.page.getByRole('button', { name: 'Participants (2)' }).waitFor()
    assert.deepEqual(carol.errors, [])
    await carol.context.close()
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })
})
