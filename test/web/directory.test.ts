/**
 * Finding people in the web client, in Debian's Chromium against a real `parley serve`: a new
 * one-to-one chat and an added participant found in the user directory by the start of a name (or
 * by `@name@host` of this server, resolved without a fetch), and the mention autocomplete offering
 * the server's candidates — the room's participants first, then people of the directory.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { ParleyClient } from '@parley/client'
import { checkLooks, launchBrowser, openPerson, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'

describe('web client: finding people', () => {
  let server: Served
  let browser: Browser
  let alice: PersonPage
  let aliceApi: ParleyClient
  let roomId = ''
  let host = ''

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', 'alice password 1', { displayName: 'Alice' })
    await server.addUser('bob', 'bob password 12', { displayName: 'Bob Okafor' })
    await server.addUser('bobby', 'bobby password 1', { displayName: 'Roberta' })
    await server.addUser('carol', 'carol password 1', { displayName: 'Carol Chen' })
    aliceApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    roomId = (await aliceApi.createRoom({ kind: 'group', name: 'Team' })).id
    // The host of this server's handles (its public origin's, which need not be the test's address).
    host = (await aliceApi.directory({ q: 'carol' })).users[0]?.handle.split('@')[2] ?? ''
    browser = await launchBrowser()
    alice = await openPerson(browser, server.origin)
    await signIn(alice.page, 'alice', 'alice password 1')
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('New chat finds people by the start of a name and opens a one-to-one room', async () => {
    const page = alice.page
    await page.getByRole('button', { name: 'New chat' }).click()
    const dialog = page.getByRole('dialog', { name: 'Start a one-to-one chat' })
    await dialog.getByLabel('Find people (name or @name@server)').fill('bo')
    const results = dialog.getByRole('list', { name: 'People found' })
    await results.getByText('@bobby@').waitFor()
    assert.deepEqual(
      (await results.locator('li').allTextContents()).map((t) => t.replace(/Start chat$/, '').trim()),
      [`Bob Okafor @bob@${host}`, `Roberta @bobby@${host}`],
    )
    // A word of the display name finds too; nobody is said in words.
    await dialog.getByLabel('Find people (name or @name@server)').fill('chen')
    await results.getByText('Carol Chen').waitFor()
    await dialog.getByLabel('Find people (name or @name@server)').fill('zz')
    await results.getByText('Nobody found.').waitFor()
    await dialog.getByLabel('Find people (name or @name@server)').fill('okaf')
    await results.getByRole('button', { name: 'Start chat: Bob Okafor' }).waitFor()
    await checkLooks(page, 'new-chat-directory')
    await results.getByRole('button', { name: 'Start chat: Bob Okafor' }).click()
    await page.getByRole('heading', { name: 'Bob Okafor', level: 1 }).waitFor()
    await page.getByRole('link', { name: /^Bob Okafor/ }).waitFor()
  })

  it('adds participants from the directory and by @name@host of this server', async () => {
    const page = alice.page
    await page.getByRole('link', { name: /^Team/ }).click()
    await page.getByRole('heading', { name: 'Team', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Room details' }).click()
    const details = page.getByRole('dialog', { name: 'Team' })
    await details.getByRole('tab', { name: 'Invite' }).click()
    const find = details.getByLabel('Find people (name or @name@server)')
    await find.fill('rob')
    await details.getByRole('button', { name: 'Add: Roberta' }).click()
    await details.getByRole('status').filter({ hasText: 'Roberta was added.' }).waitFor()
    // Already here: no longer offered.
    await find.fill('robe')
    await details.getByText('Nobody found.').waitFor()

    await find.fill(`@carol@${host}`)
    await details.getByRole('button', { name: 'Invite' }).click()
    await details.getByRole('status').filter({ hasText: 'Carol Chen was added.' }).waitFor()
    await checkLooks(page, 'invite-directory')
    const names = (await aliceApi.participants(roomId)).participants.map((p) => p.displayName).sort()
    assert.deepEqual(names, ['Alice', 'Carol Chen', 'Roberta'])
    await page.keyboard.press('Escape')
  })

  it("completes a mention from the server's candidates: participants first, then the directory", async () => {
    const page = alice.page
    const composer = page.getByRole('combobox', { name: 'Message Team' })
    await composer.pressSequentially('@ro')
    const list = page.getByRole('listbox', { name: 'Mention suggestions' })
    await list.getByRole('option', { name: /Roberta @bobby/ }).waitFor()
    await composer.fill('')
    await composer.pressSequentially('ask @bo')
    // Bob is not in the room: the directory offers him, after Roberta (a participant).
    await list.getByRole('option', { name: /Bob Okafor @bob\W+not in this room/ }).waitFor()
    const options = await list.getByRole('option').allTextContents()
    assert.match(options[0] ?? '', /Roberta/)
    await composer.press('ArrowDown')
    await composer.press('Enter')
    assert.equal(await composer.inputValue(), 'ask @bob ')
    await composer.pressSequentially('about it')
    await composer.press('Enter')
    await page.locator('li.message .mention', { hasText: '@bob' }).waitFor()
    assert.deepEqual(alice.errors, [])
  })
})
