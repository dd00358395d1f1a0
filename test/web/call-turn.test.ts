/**
 * The call's pre-join TURN check against a real coturn, in Debian's Chromium against a real
 * `parley serve` configured with coturn's TURN REST secret (inside the media tests' network
 * namespace, where coturn listens and relays on its veth address): with coturn answering, the check
 * gets a relay candidate with the time-limited credentials the server handed out and says the
 * relay works; with coturn gone, the same check says it does not.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { CoturnSupervisor } from '@parley/server/media'
import { bufferedLogger, tempDir } from '../media/harness.ts'
import { MEDIA_ADDRESS, requireMediaNetns } from '../media/netns.ts'
import { assertAccessible, launchBrowser, openPerson, screenshot, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'
import { createRoom } from './people.ts'

const TURN_SECRET = 'parley-web-test-turn-secret-0123456789'

describe('web client: the pre-join TURN check against coturn', () => {
  let server: Served
  let browser: Browser
  let launched: Promise<Browser> | undefined
  let coturn: CoturnSupervisor
  let turnDir: Awaited<ReturnType<typeof tempDir>>
  const coturnLogs = bufferedLogger()
  let alice: PersonPage

  before(async () => {
    requireMediaNetns()
    turnDir = await tempDir('parley-web-coturn-')
    coturn = new CoturnSupervisor({
      configDir: turnDir.path,
      listeningIp: MEDIA_ADDRESS,
      relayIp: MEDIA_ADDRESS,
      port: 3478,
      secret: TURN_SECRET,
      realm: 'parley.test',
      minRelayPort: 40400,
      maxRelayPort: 40599,
      allowLoopbackPeers: true,
      logger: coturnLogs.logger,
    })
    const started = await coturn.start()
    assert.ok(started.ok, `coturn did not start: ${JSON.stringify(!started.ok && started.error)}\n${coturnLogs.dump()}`)
    launched = launchBrowser()
    await ensureWebBuilt()
    server = await serve({
      PARLEY_TURN_URLS: `turn:${MEDIA_ADDRESS}:3478?transport=udp`,
      PARLEY_TURN_SECRET: TURN_SECRET,
      PARLEY_TURN_CREDENTIAL_TTL_SECONDS: '600',
    })
    await server.addUser('alice', 'alice password 1', { admin: true, displayName: 'Alice' })
    browser = await launched
  })
  after(async () => {
    // Also when set-up failed after Chromium was started.
    await (browser ?? (await launched?.catch(() => undefined)))?.close()
    await server?.close()
    await coturn?.close()
    await turnDir?.remove()
  })

  it('says the relay works when coturn hands out a relay address with the server’s credentials', async () => {
    alice = await openPerson(browser, server.origin)
    await signIn(alice.page, 'alice', 'alice password 1')
    await createRoom(alice.page, { name: 'Relay', kind: 'group' })
    await alice.page.getByRole('button', { name: 'Start call' }).click()
    const turn = alice.page.locator('.checks [data-check="turn"]')
    await turn.and(alice.page.locator('[data-result="ok"]')).waitFor()
    assert.match((await turn.innerText()).replace(/\s+/g, ' '), /Relay server \(TURN\) Works/)
    await assertAccessible(alice.page, 'pre-join with TURN')
    await screenshot(alice.page, 'call-prejoin-turn')
  })

  it('says the relay is not working once coturn is gone', async () => {
    await coturn.close()
    await alice.page.getByRole('button', { name: 'Cancel' }).click()
    await alice.page.getByRole('button', { name: 'Start call' }).click()
    const turn = alice.page.locator('.checks [data-check="turn"]')
    await turn.and(alice.page.locator('[data-result="failed"]')).waitFor()
    assert.match((await turn.innerText()).replace(/\s+/g, ' '), /Relay server \(TURN\) Not working/)
    assert.deepEqual(alice.errors, [])
  })
})
