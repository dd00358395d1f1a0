/**
 * How the web client looks, in Debian's Chromium against a real `parley serve`: the main views at
 * desktop (1280×800) and phone (390×844) width, light and dark, written to test/artifacts/web/look-*
 * for people to look at; and what a person checks by eye and by keyboard — icons with names and
 * tooltips in the call toolbar, the leave button in red, empty states that say what to do, a focus
 * ring that shows, nothing wider than the phone. axe-core checks each view.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { ParleyClient } from '@parley/client'
import { assertAccessible, launchBrowser, openPerson, screenshot, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'
import { waitForRemoteVideo } from './people.ts'

const DESKTOP = { width: 1280, height: 800 }
const PHONE = { width: 390, height: 844 }
const PASSWORD = { alice: 'alice password 1', bob: 'bob password 12', carol: 'carol password 1' }

type Styled = { getComputedStyle(e: unknown, pseudo?: string): Record<string, string> }

/** A computed style property of the first element matching `selector` (optionally of a pseudo-element). */
function styleOf(page: Page, selector: string, property: string, pseudo?: string): Promise<string> {
  return page
    .locator(selector)
    .first()
    .evaluate(
      (element, [p, ps]) => (globalThis as unknown as Styled).getComputedStyle(element, ps)[p as string] ?? '',
      [property, pseudo] as const,
    )
}

/** Switches the page's colour scheme and waits until the colour transitions have run out. */
async function colorScheme(page: Page, scheme: 'light' | 'dark'): Promise<void> {
  await page.emulateMedia({ colorScheme: scheme })
  await page.locator(`html[data-theme="${scheme}"]`).waitFor({ state: 'attached' })
  await page.waitForFunction(
    () => (globalThis as unknown as { document: { getAnimations(): unknown[] } }).document.getAnimations().length === 0,
  )
}

async function noWiderThan(page: Page, width: number): Promise<void> {
  const scroll = (await page.evaluate('document.documentElement.scrollWidth')) as number
  assert.ok(scroll <= width, `nothing wider than ${width}px (${scroll}px)`)
}

describe('web client: how it looks', () => {
  let server: Served
  let browser: Browser
  let alice: PersonPage
  let bob: PersonPage
  let roomId = ''

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', PASSWORD.alice, { admin: true, displayName: 'Alice Martin' })
    await server.addUser('bob', PASSWORD.bob, { displayName: 'Bob Okafor' })
    await server.addUser('carol', PASSWORD.carol, { displayName: 'Carol' })
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('a new person sees empty states that say what to do, with icons instead of text glyphs', async () => {
    const carol = await openPerson(browser, server.origin, { viewport: DESKTOP })
    await carol.page.getByRole('heading', { name: 'Parley' }).waitFor()
    await screenshot(carol.page, 'look-desktop-sign-in')
    await signIn(carol.page, 'carol', PASSWORD.carol)
    const page = carol.page
    await page.getByText('No rooms yet. Create one to start talking.').waitFor()
    await page.getByText('Pick a room on the left, or create one.').waitFor()
    // The header's controls are icons (SVG), named for screen readers and with a tooltip.
    for (const name of ['Search messages', 'Invitations']) {
      const link = page.getByRole('link', { name })
      assert.equal(await link.locator('svg').count(), 1, `${name} shows an icon`)
      assert.equal((await link.textContent())?.trim(), '', `${name} has no text glyph`)
      assert.equal(await link.getAttribute('data-tip'), name)
    }
    await assertAccessible(page, 'empty home (light)')
    await screenshot(page, 'look-desktop-empty-light')
    await page.getByRole('link', { name: 'Invitations' }).click()
    await page.getByText('When someone invites you to a room, here or on another server, it shows here.').waitFor()
    await assertAccessible(page, 'no invitations')
    await screenshot(page, 'look-desktop-no-invitations')
    await page.getByRole('link', { name: 'Parley' }).click()
    await page.getByText('Pick a room on the left, or create one.').waitFor()
    await colorScheme(page, 'dark')
    await assertAccessible(page, 'empty home (dark)')
    await screenshot(page, 'look-desktop-empty-dark')
    assert.deepEqual(carol.errors, [])
    await carol.context.close()
  })

  it('the chat at desktop width, light and dark: avatars with initials, actions as icons', async () => {
    const aliceApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    const bobApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    const room = await aliceApi.createRoom({ kind: 'public', name: 'Design review', description: 'Mockups and such' })
    roomId = room.id
    await bobApi.join(roomId)
    const first = await aliceApi.post(roomId, 'Morning! The **new icons** are in — have a look.')
    await bobApi.post(roomId, 'Looks much calmer than before.', first.seq)
    await bobApi.react(roomId, first.seq, '🎉')
    await aliceApi.post(roomId, 'Agreed. `npm run bench:web` says the first view stays small, too.')
    const carolApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('carol') } })
    await carolApi.join(roomId)

    alice = await openPerson(browser, server.origin, { viewport: DESKTOP })
    await signIn(alice.page, 'alice', PASSWORD.alice)
    const page = alice.page
    await page.getByRole('link', { name: /^Design review/ }).click()
    const message = page.locator('li.message', { hasText: 'Looks much calmer' })
    await message.waitFor()
    // Bob's avatar shows his initials.
    assert.equal(await message.locator('.avatar').getAttribute('data-initials'), 'BO')
    // The message's actions are icon buttons with names; they appear over the message on hover.
    await message.hover()
    for (const name of ['Reply', 'Add reaction'])
      assert.equal(await message.getByRole('button', { name }).locator('svg').count(), 1, `${name} is an icon`)
    assert.equal(await styleOf(page, 'li.message:hover .message-actions', 'position'), 'absolute')
    await page.getByRole('button', { name: 'Start call' }).waitFor()
    await assertAccessible(page, 'chat (light)')
    await screenshot(page, 'look-desktop-chat-light')

    // Keyboard focus shows a ring.
    const composer = page.getByRole('combobox', { name: 'Message Design review' })
    await composer.focus()
    await page.keyboard.press('Shift+Tab')
    const focusedOutline = await page.evaluate(() => {
      const d = globalThis as unknown as { document: { activeElement: unknown } } & Styled
      return d.getComputedStyle(d.document.activeElement).outlineStyle
    })
    assert.notEqual(focusedOutline, 'none', 'the focused control has a visible outline')

    await page.mouse.move(0, 0)
    await colorScheme(page, 'dark')
    await assertAccessible(page, 'chat (dark)')
    await screenshot(page, 'look-desktop-chat-dark')
    await colorScheme(page, 'light')
  })

  it('the call toolbar: round icon buttons with names and tooltips, leave in red', async () => {
    bob = await openPerson(browser, server.origin, { viewport: DESKTOP })
    await signIn(bob.page, 'bob', PASSWORD.bob)
    for (const person of [alice, bob]) {
      await person.page.goto(`${server.origin}/r/${encodeURIComponent(roomId)}`)
      await person.page.getByRole('button', { name: 'Start call' }).click()
      await person.page.locator('.checks [data-check="camera"][data-result="ok"]').waitFor()
      await person.page.getByRole('button', { name: 'Join now' }).click()
      await person.page.getByRole('toolbar', { name: 'Call controls' }).waitFor()
    }
    await waitForRemoteVideo(alice.page)
    await waitForRemoteVideo(bob.page)
    const page = alice.page
    const toolbar = page.getByRole('toolbar', { name: 'Call controls' })
    for (const name of [
      'Mute microphone',
      'Turn camera off',
      'Share screen',
      'Raise hand',
      'Send a reaction',
      'Speaker view',
      'Participants (2)',
      'Start recording',
      'End call for everyone',
    ]) {
      const button = toolbar.getByRole('button', { name, exact: true })
      assert.equal(await button.locator('svg').count(), 1, `${name}: an icon`)
      assert.equal(await button.getAttribute('data-tip'), name, `${name}: its tooltip says the same`)
    }
    // The tooltip shows on keyboard focus.
    await toolbar.getByRole('button', { name: 'Share screen' }).focus()
    await page.keyboard.press('Tab')
    assert.equal(await styleOf(page, '.call .tool[data-tip="Raise hand"]', 'visibility', '::after'), 'visible')
    assert.equal(await styleOf(page, '.call .tool[data-tip="Raise hand"]', 'content', '::after'), '"Raise hand"')
    // Leave is the red one, and says so in words too.
    const leave = toolbar.getByRole('button', { name: 'Leave call' })
    assert.equal(await styleOf(page, '.call .tool.leave', 'background-color'), 'rgb(217, 48, 37)')
    assert.equal((await leave.textContent())?.trim(), 'Leave call')
    // A muted microphone is drawn as "off" (and named for what the button does now).
    await toolbar.getByRole('button', { name: 'Mute microphone' }).click()
    await toolbar.locator('button.tool.off').first().waitFor()
    assert.equal(await toolbar.getByRole('button', { name: 'Unmute microphone' }).getAttribute('aria-pressed'), 'true')
    await bob.page.locator('figure.video-tile:not([data-local]) figcaption [aria-label="muted"] svg').waitFor()
    await assertAccessible(page, 'call (light)')
    await screenshot(page, 'look-desktop-call')
    await colorScheme(bob.page, 'dark')
    await screenshot(bob.page, 'look-desktop-call-dark')
    await assertAccessible(bob.page, 'call (dark)')
    await toolbar.getByRole('button', { name: 'Unmute microphone' }).click()
  })

  it('at phone width, light and dark: the room list, the chat and the call fit', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const phone = await openPerson(browser, server.origin, { viewport: PHONE, colorScheme })
      const page = phone.page
      await signIn(page, 'carol', PASSWORD.carol)
      await page.getByRole('link', { name: /^Design review/ }).waitFor()
      await noWiderThan(page, PHONE.width)
      await assertAccessible(page, `phone room list (${colorScheme})`)
      await screenshot(page, `look-phone-rooms-${colorScheme}`)
      await page.getByRole('link', { name: /^Design review/ }).click()
      await page.locator('li.message', { hasText: 'Looks much calmer' }).waitFor()
      // At phone width "Start call" is an icon, still named.
      assert.equal(await page.getByRole('button', { name: 'Start call' }).locator('svg').count(), 1)
      await noWiderThan(page, PHONE.width)
      // The message text gets the width (the actions do not keep a column).
      const textWidth = await page
        .locator('li.message', { hasText: 'Looks much calmer' })
        .locator('.message-body')
        .evaluate((e) => (e as unknown as { clientWidth: number }).clientWidth)
      assert.ok(textWidth > 280, `the message text is ${textWidth}px wide`)
      await assertAccessible(page, `phone chat (${colorScheme})`)
      await screenshot(page, `look-phone-chat-${colorScheme}`)
      if (colorScheme === 'light') {
        await page.getByRole('button', { name: 'Start call' }).click()
        await page.locator('.checks [data-check="camera"][data-result="ok"]').waitFor()
        await page.getByRole('button', { name: 'Join now' }).click()
        await page.getByRole('toolbar', { name: 'Call controls' }).waitFor()
        await waitForRemoteVideo(page)
        await noWiderThan(page, PHONE.width)
        await screenshot(page, 'look-phone-call')
        await assertAccessible(page, 'phone call')
        await page.getByRole('button', { name: 'Leave call' }).click()
      }
      assert.deepEqual(phone.errors, [])
      await phone.context.close()
    }
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(bob.errors, [])
  })
})
