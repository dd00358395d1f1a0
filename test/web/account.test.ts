/**
 * Accounts in the web client, in Debian's Chromium against a real `parley serve`: registering with
 * an invite code (a wrong one refused in words), the profile, API tokens (created, used, revoked),
 * German, the dark theme, and signing out.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { assertAccessible, launchBrowser, openPerson, screenshot, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'

describe('web client: account', () => {
  let server: Served
  let browser: Browser
  let carol: PersonPage

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('admin', 'admin password 1', { admin: true })
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('registers with an invite code; a wrong code is refused in words', async () => {
    const code = await server.inviteCode()
    carol = await openPerson(browser, server.origin)
    const page = carol.page
    await page.getByRole('tab', { name: 'Create account' }).click()
    await page.getByLabel('Username').fill('carol')
    await page.getByLabel('Display name').fill('Carol')
    await page.getByLabel('Password').fill('carol password 1')
    await page.getByLabel('Invite code').fill('not-a-code')
    await page.getByRole('button', { name: 'Create account' }).last().click()
    await page.getByRole('alert').filter({ hasText: 'This invite code is unknown, used or expired.' }).waitFor()
    await assertAccessible(page, 'register')
    await page.getByLabel('Invite code').fill(code)
    await page.getByRole('button', { name: 'Create account' }).last().click()
    await page.getByRole('heading', { name: 'Rooms' }).waitFor()
  })

  it('changes the profile, creates an API token that works, and revokes it', async () => {
    const page = carol.page
    await page.getByRole('button', { name: 'Account menu' }).click()
    await page.getByRole('menuitem', { name: 'Settings' }).click()
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
    await page.getByLabel('Display name').fill('Carol C')
    await page.getByRole('button', { name: 'Save' }).first().click()
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor()

    await page.getByRole('textbox', { name: 'Token name' }).fill('laptop')
    await page.getByRole('button', { name: 'Create token' }).click()
    const secret = (await page.locator('.secret code').textContent()) ?? ''
    assert.match(secret, /\S{20,}/)
    const me = await fetch(`${server.origin}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } })
    assert.equal(me.status, 200)
    assert.equal(((await me.json()) as { displayName: string }).displayName, 'Carol C')
    await assertAccessible(page, 'settings')
    await screenshot(page, 'settings')

    await page.getByRole('button', { name: 'Revoke' }).click()
    await page.getByText('No API tokens.').waitFor()
    const after = await fetch(`${server.origin}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } })
    assert.equal(after.status, 401)
  })

  it('speaks German, turns dark, and signs out', async () => {
    const page = carol.page
    await page.getByLabel('Language').selectOption('de')
    await page.getByRole('heading', { name: 'Einstellungen', level: 1 }).waitFor()
    assert.equal(await page.getAttribute('html', 'lang'), 'de')
    await page.getByLabel('Farbschema').selectOption('dark')
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark')
    await assertAccessible(page, 'settings (German, dark)')
    await screenshot(page, 'settings-de-dark')
    await page.getByLabel('Sprache').selectOption('en')
    await page.getByLabel('Theme').selectOption('light')

    await page.getByRole('button', { name: 'Account menu' }).click()
    await page.getByRole('menuitem', { name: 'Sign out' }).click()
    await page.getByRole('tab', { name: 'Sign in' }).waitFor()
    await page.reload()
    await page.getByRole('tab', { name: 'Sign in' }).waitFor()
    assert.deepEqual(carol.errors, [])
  })
})
