/**
 * "Notifications on this device" in Debian's Chromium against a real `parley serve`: /sw.js served
 * and registered under the page's Content-Security-Policy, the settings toggle handing the browser's
 * push subscription to the server, a mention pushed (encrypted, VAPID-signed) to that subscription,
 * the service worker showing that push as a notification with the page's tag while no window of
 * Parley is visible (and staying quiet while one is), the toggle taking the subscription back, and
 * the toggle off (disabled) where the browser blocks notifications.
 *
 * What is faked, and why: headless Chromium has no push service (PushManager.subscribe() rejects:
 * there is no FCM connection to register with). So the page's PushManager.subscribe() and
 * getSubscription() are replaced (FAKE_PUSH_MANAGER, an init script) by ones returning the
 * subscription of a loopback push service (server/src/testing/push-receiver.ts): a real endpoint
 * with a real P-256 key pair and auth secret, which receives the server's push over HTTP, checks
 * its VAPID signature and decrypts it (RFC 8291) as Chrome's push service and browser would. The
 * decrypted payload is then handed to the page's real service worker by DevTools
 * (ServiceWorker.deliverPushMessage), which is how Chromium itself dispatches a received push.
 * Everything else — the page, the server, the stores, the sender, the worker — is the real one.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, CDPSession, Worker } from 'playwright-core'
import { ParleyClient } from '@parley/client'
import { PushReceiver } from '@parley/server/testing/push-receiver'
import { assertAccessible, launchBrowser, openPerson, screenshot, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'
import { eventually } from '../harness/instance.ts'

type SubscriptionJson = { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } }
const FAKE_STATE = 'parley.test.fake-push-subscription'

/**
 * Runs in the page before its scripts: a PushManager whose subscription is the loopback receiver's
 * (kept in localStorage, so it outlives a reload as a browser's does). It records the
 * applicationServerKey the client passed, so the test can check the client sent the instance's key.
 */
function FAKE_PUSH_MANAGER(arg: { subscription: SubscriptionJson; state: string }): void {
  const { subscription, state } = arg
  // The root tsconfig has no DOM types: the page's globals are reached through globalThis.
  const page = globalThis as unknown as {
    PushManager: { prototype: Record<string, unknown> }
    localStorage: {
      getItem(k: string): string | null
      setItem(k: string, v: string): void
      removeItem(k: string): void
    }
  }
  const make = () => ({
    endpoint: subscription.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: null },
    getKey: () => null,
    toJSON: () => subscription,
    unsubscribe: () => {
      page.localStorage.removeItem(state)
      return Promise.resolve(true)
    },
  })
  const proto = page.PushManager.prototype
  proto.subscribe = function (options: { applicationServerKey: ArrayBuffer | Uint8Array }) {
    const bytes = new Uint8Array(options.applicationServerKey)
    const key = btoa(String.fromCharCode(...bytes))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replace(/=+$/, '')
    page.localStorage.setItem(state, JSON.stringify({ applicationServerKey: key }))
    return Promise.resolve(make())
  }
  proto.getSubscription = function () {
    return Promise.resolve(page.localStorage.getItem(state) === null ? null : make())
  }
}

describe('web client: Web Push on this device', () => {
  let server: Served
  let browser: Browser
  let receiver: PushReceiver
  let aliceApi: ParleyClient
  let bobApi: ParleyClient
  let roomId = ''
  let bob: PersonPage
  let cdp: CDPSession
  let worker: Worker
  let pushed = ''

  before(async () => {
    await ensureWebBuilt()
    server = await serve({ PARLEY_PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true' })
    await server.addUser('alice', 'alice password 1', { displayName: 'Alice' })
    await server.addUser('bob', 'bob password 12', { displayName: 'Bob' })
    await server.addUser('carol', 'carol password 1', { displayName: 'Carol' })
    aliceApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    bobApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    roomId = (await aliceApi.createRoom({ kind: 'group', name: 'Team' })).id
    await aliceApi.addParticipant(roomId, (await bobApi.me()).id)
    receiver = await new PushReceiver().listen()
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.close()
    await receiver?.close()
  })

  it('serves /sw.js uncached as JavaScript, the same file as web/public/sw.js', async () => {
    const response = await fetch(`${server.origin}/sw.js`)
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('cache-control'), 'no-cache')
    assert.match(String(response.headers.get('content-type')), /^text\/javascript/)
    const source = readFileSync(join(import.meta.dirname, '..', '..', 'web', 'public', 'sw.js'), 'utf8')
    assert.equal(await response.text(), source)
    const index = await fetch(`${server.origin}/`)
    assert.match(String(index.headers.get('content-security-policy')), /worker-src 'self'/)
  })

  it('the toggle subscribes this browser: the server holds the subscription, the worker is registered', async () => {
    bob = await openPerson(browser, server.origin)
    await bob.context.grantPermissions(['notifications'], { origin: server.origin })
    await bob.context.addInitScript(FAKE_PUSH_MANAGER, {
      subscription: receiver.subscription('bob'),
      state: FAKE_STATE,
    })
    await bob.page.reload()
    await signIn(bob.page, 'bob', 'bob password 12')
    const page = bob.page
    await page.goto(`${server.origin}/settings`)
    const toggle = page.getByRole('checkbox', { name: 'Notifications on this device' })
    await toggle.and(page.locator(':enabled')).waitFor()
    assert.equal(await toggle.isChecked(), false)
    await toggle.click()
    await page.getByRole('checkbox', { name: 'Notifications on this device', checked: true }).waitFor()

    const { subscriptions } = await bobApi.account.pushSubscriptions()
    assert.deepEqual(
      subscriptions.map((s) => s.endpoint),
      [receiver.subscription('bob').endpoint],
    )
    const { publicKey } = await bobApi.account.pushPublicKey()
    const state = JSON.parse((await page.evaluate((key) => localStorage.getItem(key), FAKE_STATE)) ?? '{}') as {
      applicationServerKey?: string
    }
    assert.equal(state.applicationServerKey, publicKey, 'subscribed with the instance’s VAPID key')

    // Registered under the page's CSP (a refusal would leave no active worker), scope the whole client.
    const registration = await page.evaluate(async () => {
      type Container = { ready: Promise<{ scope: string; active: { scriptURL: string } | null }> }
      const r = await (globalThis as unknown as { navigator: { serviceWorker: Container } }).navigator.serviceWorker
        .ready
      return { scope: r.scope, script: r.active?.scriptURL ?? '' }
    })
    assert.deepEqual(registration, { scope: `${server.origin}/`, script: `${server.origin}/sw.js` })
    worker = bob.context.serviceWorkers()[0] ?? (await bob.context.waitForEvent('serviceworker'))
    assert.equal(worker.url(), `${server.origin}/sw.js`)
  })

  it('looks right with the toggle on, light and dark, and speaks German', async () => {
    const page = bob.page
    await assertAccessible(page, 'settings with the push toggle (light)')
    await screenshot(page, 'settings-push-light')
    await page.getByLabel('Theme').selectOption('dark')
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark')
    await assertAccessible(page, 'settings with the push toggle (dark)')
    await screenshot(page, 'settings-push-dark')
    await page.getByLabel('Theme').selectOption('light')
    await page.getByLabel('Language').selectOption('de')
    await page.getByRole('checkbox', { name: 'Benachrichtigungen auf diesem Gerät', checked: true }).waitFor()
    await page.getByLabel('Sprache').selectOption('en')
  })

  it('a mention reaches the push service encrypted, and the worker shows it only while no window is visible', async () => {
    const mention = await aliceApi.post(roomId, 'Lunch, @bob?')
    await receiver.waitFor(1)
    assert.deepEqual(receiver.problems, [])
    pushed = receiver.received[0]?.text ?? ''
    const payload = JSON.parse(pushed) as { kind: string; tag: string; title: string; body: string; url: string }
    assert.equal(payload.kind, 'mention')
    assert.equal(payload.tag, `${roomId}:${mention.seq}`)
    assert.equal(payload.url, `/r/${roomId}`)

    // DevTools on a second tab (not on Parley), which stays when Bob's Parley tab closes below.
    const spare = await bob.context.newPage()
    spare.on('pageerror', (error) => bob.errors.push(`pageerror: ${error.message}`))
    cdp = await bob.context.newCDPSession(spare)
    const registrationId = await serviceWorkerRegistration(cdp, `${server.origin}/`)
    const deliver = (data: string) =>
      cdp.send('ServiceWorker.deliverPushMessage', { origin: server.origin, registrationId, data })

    // The SW decides from clients.matchAll(): what it saw tells when (and on what) a push was decided.
    await worker.evaluate(() => {
      type Found = { visibilityState: string; url: string }[]
      const g = globalThis as unknown as {
        clients: { matchAll: (...a: unknown[]) => Promise<Found> }
        registration: { showNotification: (...a: unknown[]) => Promise<void> }
        seen: string[][]
        shows: string[]
      }
      const clients = Object.getPrototypeOf(g.clients) as { matchAll: (...a: unknown[]) => Promise<Found> }
      const matchAll = clients.matchAll
      g.seen = []
      g.shows = []
      clients.matchAll = async function (this: unknown, ...args: unknown[]) {
        const found = await matchAll.apply(this, args)
        g.seen.push(found.map((c) => `${c.visibilityState} ${c.url}`))
        return found
      }
      const registration = Object.getPrototypeOf(g.registration) as typeof g.registration
      const show = registration.showNotification
      registration.showNotification = async function (this: unknown, ...args: unknown[]) {
        try {
          await show.apply(this, args)
          const [title, options] = args as [string, { tag: string; body: string; data: { url: string } }]
          g.shows.push(JSON.stringify({ tag: options.tag, title, body: options.body, url: options.data.url }))
        } catch (error) {
          g.shows.push(String(error))
          throw error
        }
      }
    })
    const seen = () =>
      worker.evaluate(() => {
        const g = globalThis as unknown as { seen: string[][]; shows: string[] }
        return { seen: g.seen, shows: g.shows }
      })

    // While Bob's tab is visible, the page notifies itself: the worker shows nothing.
    assert.equal(
      await bob.page.evaluate(
        () => (globalThis as unknown as { document: { visibilityState: string } }).document.visibilityState,
      ),
      'visible',
    )
    await deliver(JSON.stringify({ ...payload, tag: 'while-visible' }))
    await eventually(
      async () => (await seen()).seen.length >= 1,
      15_000,
      'the worker handled the push sent while visible',
    )
    assert.deepEqual((await seen()).seen[0], [`visible ${server.origin}/settings`])

    // No window of Parley any more (Bob closed the tab): the push becomes a notification.
    await bob.page.close()
    bob = { ...bob, page: spare }
    await deliver(pushed)
    // What the browser accepted to show (showNotification resolved, with these options). In one full
    // web suite run getNotifications() no longer listed it although showNotification had resolved
    // (headless Chromium has no notification centre), so the worker's own record is what is checked.
    await eventually(async () => (await seen()).shows.length > 0, 15_000, 'the notification from the push').catch(
      async (error: Error) => {
        throw new Error(`${error.message}; the worker saw ${JSON.stringify(await seen())}`)
      },
    )
    const shown = { tag: payload.tag, title: payload.title, body: payload.body, url: payload.url }
    assert.deepEqual(await seen(), {
      seen: [[`visible ${server.origin}/settings`], []],
      shows: [JSON.stringify(shown)],
    })
  })

  it('turning the toggle off removes the subscription from the server and the browser', async () => {
    const page = bob.page
    await page.goto(`${server.origin}/settings`)
    await page.getByRole('checkbox', { name: 'Notifications on this device', checked: true }).waitFor()
    await page.getByRole('checkbox', { name: 'Notifications on this device' }).click()
    await page.getByRole('checkbox', { name: 'Notifications on this device', checked: false }).waitFor()
    assert.deepEqual((await bobApi.account.pushSubscriptions()).subscriptions, [])
    assert.equal(await page.evaluate((key) => localStorage.getItem(key), FAKE_STATE), null, 'unsubscribed')
    assert.deepEqual(bob.errors, [])
  })

  it('where the browser blocks notifications, the toggle stays off and the card says why', async () => {
    const carol = await openPerson(browser, server.origin)
    const { targetInfo } = (await (await carol.context.newCDPSession(carol.page)).send('Target.getTargetInfo')) as {
      targetInfo: { browserContextId: string }
    }
    await (
      await browser.newBrowserCDPSession()
    ).send('Browser.setPermission', {
      permission: { name: 'notifications' },
      setting: 'denied',
      origin: server.origin,
      browserContextId: targetInfo.browserContextId,
    })
    await carol.page.reload()
    await signIn(carol.page, 'carol', 'carol password 1')
    await carol.page.goto(`${server.origin}/settings`)
    await carol.page.getByText('This browser blocks Parley’s notifications: allow them in the site settings.').waitFor()
    const toggle = carol.page.getByRole('checkbox', { name: 'Notifications on this device', checked: false })
    await toggle.and(carol.page.locator(':disabled')).waitFor()
    assert.deepEqual(carol.errors, [])
    await carol.context.close()
  })
})

/** The id DevTools gives the service worker registration of `scope` (needed to deliver a push). */
async function serviceWorkerRegistration(cdp: CDPSession, scope: string): Promise<string> {
  type Registration = { registrationId: string; scopeURL: string; isDeleted: boolean }
  const found = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }: { registrations: Registration[] }) => {
      const match = registrations.find((r) => r.scopeURL === scope && !r.isDeleted)
      if (match) resolve(match.registrationId)
    })
  })
  await cdp.send('ServiceWorker.enable')
  return found
}
