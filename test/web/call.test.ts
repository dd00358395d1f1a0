/**
 * A call through the web client, in Debian's Chromium against a real `parley serve` (mesh engine):
 * the pre-join checks, then two people each decode the other's video; mute, hand, reaction and the
 * speaker view show on the other side; the moderator ends the call for everyone. Runs inside the
 * media tests' network namespace (npm run test:web), where ICE stays on loopback.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { assertAccessible, launchBrowser, openPerson, screenshot, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'
import { createRoom, signInAndJoin, waitForRemoteVideo } from './people.ts'

describe('web client: a call between two people', () => {
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
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('checks devices before joining, then each page decodes the other one’s video', async () => {
    alice = await openPerson(browser, server.origin)
    await signIn(alice.page, 'alice', 'alice password 1')
    const roomId = await createRoom(alice.page, { name: 'Standup', kind: 'public' })
    bob = await openPerson(browser, server.origin)
    await signInAndJoin(bob.page, server.origin, 'bob', 'bob password 12', roomId, 'Standup')

    await alice.page.getByRole('button', { name: 'Start call' }).click()
    const checks = alice.page.locator('.checks')
    await checks.locator('[data-check="camera"][data-result="ok"]').waitFor()
    await checks.locator('[data-check="microphone"][data-result="ok"]').waitFor()
    // No TURN server is configured here: the check says so instead of failing.
    await checks.locator('[data-check="turn"][data-result="none"]').waitFor()
    await alice.page.getByRole('button', { name: 'Play a test sound' }).click()
    await checks.locator('[data-check="speaker"][data-result="ok"]').waitFor()
    await assertAccessible(alice.page, 'pre-join')
    await screenshot(alice.page, 'call-prejoin')
    await alice.page.getByRole('button', { name: 'Join now' }).click()
    await alice.page.getByRole('toolbar').waitFor()

    await bob.page.getByRole('button', { name: 'Start call' }).click()
    await bob.page.locator('.checks [data-check="camera"][data-result="ok"]').waitFor()
    await bob.page.getByRole('button', { name: 'Join now' }).click()

    await waitForRemoteVideo(alice.page)
    await waitForRemoteVideo(bob.page)
  })

  it('shows mute, a raised hand and reactions on the other side; grid and speaker views', async () => {
    await bob.page.getByRole('button', { name: 'Mute microphone' }).click()
    await alice.page.locator('figure.video-tile:not([data-local]) figcaption [aria-label="muted"]').waitFor()
    await bob.page.getByRole('button', { name: 'Raise hand' }).click()
    await alice.page.locator('figure.video-tile:not([data-local]) figcaption [aria-label="hand raised"]').waitFor()
    await bob.page.getByRole('button', { name: 'Send a reaction' }).click()
    await bob.page.getByRole('button', { name: 'React with 🎉' }).click()
    await alice.page.locator('figure.video-tile:not([data-local]) .floating-reaction', { hasText: '🎉' }).waitFor()
    await assertAccessible(alice.page, 'call grid')
    await screenshot(alice.page, 'call-grid')

    // Bob shares his screen: Alice decodes it in a tile of its own.
    await bob.page.getByRole('button', { name: 'Share screen' }).click()
    await alice.page.waitForFunction(
      () =>
        [
          ...(
            globalThis as unknown as {
              document: {
                querySelectorAll(s: string): Iterable<{ getVideoPlaybackQuality(): { totalVideoFrames: number } }>
              }
            }
          ).document.querySelectorAll('figure.video-tile[data-screen]:not([data-local]) video'),
        ].some((v) => v.getVideoPlaybackQuality().totalVideoFrames > 0),
      undefined,
      { timeout: 30_000 },
    )
    await screenshot(alice.page, 'call-screen-share')
    await bob.page.getByRole('button', { name: 'Stop sharing' }).click()
    await alice.page.locator('figure.video-tile[data-screen]').waitFor({ state: 'detached' })

    await alice.page.getByRole('button', { name: 'Speaker view' }).click()
    await alice.page.locator('.layout-speaker .tile.featured figure:not([data-local])').waitFor()
    await alice.page.getByRole('button', { name: /^Participants/ }).click()
    await alice.page.getByRole('button', { name: 'Remove Bob from the call' }).waitFor()
    await screenshot(alice.page, 'call-speaker')
    // A moderator mutes Bob after he unmuted: his page follows.
    await bob.page.getByRole('button', { name: 'Unmute microphone' }).click()
    await alice.page.getByRole('button', { name: 'Mute Bob' }).click()
    await bob.page.getByRole('button', { name: 'Unmute microphone' }).waitFor()
    await alice.page.getByRole('button', { name: 'Grid view' }).click()
  })

  it('the moderator ends the call for everyone', async () => {
    await alice.page.getByRole('button', { name: 'End call for everyone' }).click()
    await bob.page.getByText('The call has ended.').waitFor()
    await alice.page.getByText('The call has ended.').waitFor()
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })
})
