/**
 * The connection state is visible and reconnects are automatic: `parley serve` is stopped and
 * started again on the same port while the page stays open; the page says it lost the connection,
 * comes back by itself, and shows what was said while it was away (resumed from its last position).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { ParleyClient } from '@parley/client'
import { launchBrowser, openPerson, screenshot, signIn } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'
import { createRoom } from './people.ts'

describe('web client: connection state and automatic reconnects', () => {
  let server: Served
  let browser: Browser

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

  it('shows the lost connection, reconnects by itself and catches up', async () => {
    const alice = await openPerson(browser, server.origin)
    await signIn(alice.page, 'alice', 'alice password 1')
    const roomId = await createRoom(alice.page, { name: 'Steady', kind: 'public' })
    const bob = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    await bob.join(roomId)

    const banner = alice.page.locator('.connection')
    await server.restart({
      whileDown: async () => {
        await banner.and(alice.page.locator('[data-state="reconnecting"]')).waitFor()
        assert.equal(await banner.textContent(), 'Connection lost. Reconnecting…')
        await screenshot(alice.page, 'reconnecting')
      },
    })
    // Said while Alice's page was away (the server is back, her socket maybe not yet).
    await bob.post(roomId, 'did you miss me?')
    await alice.page.locator('.connection[data-state="open"]').waitFor({ timeout: 30_000 })
    await alice.page.locator('li.message', { hasText: 'did you miss me?' }).waitFor()
    const composer = alice.page.getByRole('combobox', { name: 'Message Steady' })
    await composer.fill('back again')
    await composer.press('Enter')
    await alice.page.locator('li.message', { hasText: 'back again' }).waitFor()
    // The browser logs each refused reconnection attempt while the server is down; nothing else.
    assert.deepEqual(
      alice.errors.filter((e) => !/WebSocket connection to .* failed: .*ERR_CONNECTION_REFUSED/.test(e)),
      [],
    )
  })
})
