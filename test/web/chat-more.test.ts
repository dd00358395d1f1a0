/**
 * More of the chat screens, in Debian's Chromium against a real `parley serve`: infinite scroll
 * back through a long history, mention autocomplete, drafts kept per room, polls with live
 * results, search, hostile markdown rendered inert, room settings, and an error shown in words. Long histories are written through
 * the REST API (an API token from `parley token create`); everything checked is on screen.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { ParleyApiError, ParleyClient, RealtimeClient } from '@parley/client'
import { assertAccessible, launchBrowser, openPerson, screenshot, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'

/** Posts as fast as the server's rate limit allows: waits as long as a refusal says, then again. */
async function politely<T>(action: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await action()
    } catch (error) {
      if (!(error instanceof ParleyApiError) || error.code !== 'rate-limited') throw error
      const seconds = Number(error.details?.retryAfterSeconds ?? 1)
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    }
  }
}

describe('web client: history, mentions, drafts, polls, search, settings', () => {
  let server: Served
  let browser: Browser
  let alice: PersonPage
  let aliceApi: ParleyClient
  let bobApi: ParleyClient
  let history = ''
  let second = ''

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    await server.addUser('alice', 'alice password 1', { admin: true, displayName: 'Alice' })
    await server.addUser('bob', 'bob password 12', { displayName: 'bob' })
    aliceApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    bobApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    const room = await aliceApi.createRoom({ kind: 'public', name: 'History' })
    history = room.id
    await bobApi.join(history)
    for (let i = 1; i <= 80; i++) await politely(() => aliceApi.post(history, `message ${i}`))
    second = (await aliceApi.createRoom({ kind: 'group', name: 'Second' })).id
    browser = await launchBrowser()
    alice = await openPerson(browser, server.origin)
    await signIn(alice.page, 'alice', 'alice password 1')
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('scrolls back through the whole history, a page at a time', async () => {
    const page = alice.page
    await page.getByRole('link', { name: /^History/ }).click()
    await page.locator('li.message', { hasText: 'message 80' }).waitFor()
    assert.equal(
      await page.locator('li.message', { hasText: /^.*message 1$/ }).count(),
      0,
      'only the newest page at first',
    )
    for (let i = 0; i < 20 && (await page.getByText('This is the beginning of the room.').count()) === 0; i++) {
      await page.locator('.timeline').evaluate((el) => el.scrollTo({ top: 0 }))
      await page.waitForTimeout(100) // let the observer see the top; the loop waits for the result, not for time
    }
    await page.getByText('This is the beginning of the room.').waitFor()
    assert.equal(await page.locator('li.message').count(), 80)
  })

  it('completes a mention from the participants with the keyboard', async () => {
    const page = alice.page
    const composer = page.getByRole('combobox', { name: 'Message History' })
    await composer.fill('')
    await composer.pressSequentially('Hi @b')
    await page.getByRole('option', { name: /bob/ }).waitFor()
    await composer.press('Enter')
    assert.equal(await composer.inputValue(), 'Hi @bob ')
    await composer.pressSequentially('look at this')
    await composer.press('Enter')
    await page.locator('li.message .mention', { hasText: '@bob' }).waitFor()
  })

  it('keeps a draft per room, across rooms and reloads; leaving the room ends "is typing" for the others at once', async () => {
    const page = alice.page
    const composer = page.getByRole('combobox', { name: 'Message History' })
    // Bob, in the room: Alice typing, then not, as his client hears it.
    const bob = new RealtimeClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    await bob.connect()
    const typingInHistory = (typing: boolean) =>
      bob.next('typing', (f) => f.roomId === history && f.typing === typing && f.actor.name === 'Alice')
    const started = typingInHistory(true)
    await composer.fill('half-written thought')
    await started
    // Her draft stays, but she went to another room: no "Alice is typing…" left behind for Bob.
    const stopped = typingInHistory(false)
    await page.getByRole('link', { name: /^Second/ }).click()
    await stopped
    bob.close()
    await page.getByRole('combobox', { name: 'Message Second' }).waitFor()
    assert.equal(await page.getByRole('combobox', { name: 'Message Second' }).inputValue(), '')
    await page.getByRole('link', { name: /^History/ }).click()
    assert.equal(await composer.inputValue(), 'half-written thought')
    await page.reload()
    assert.equal(await composer.inputValue(), 'half-written thought')
    await composer.fill('')
  })

  it('makes a poll whose results update live', async () => {
    const page = alice.page
    await page.getByRole('button', { name: 'Create a poll' }).click()
    const dialog = page.getByRole('dialog', { name: 'Create a poll' })
    await dialog.getByLabel('Question').fill('Lunch?')
    await dialog.getByLabel('Option 1').fill('Pizza')
    await dialog.getByLabel('Option 2').fill('Soup')
    await dialog.getByRole('button', { name: 'Create' }).click()
    const poll = page.getByRole('form', { name: 'Poll: Lunch?' })
    await poll.getByLabel('Soup').check()
    await poll.getByRole('button', { name: 'Vote' }).click()
    await poll.getByText('1 vote').waitFor()
    const pollId = (await aliceApi.history(history, { limit: 1 })).messages[0]?.body ?? ''
    await bobApi.vote(history, pollId, [1])
    await poll.getByText('2 votes').waitFor()
    await assertAccessible(page, 'poll')
    await screenshot(page, 'chat-poll')
  })

  it('finds messages in every room and opens them', async () => {
    const page = alice.page
    await page.getByRole('link', { name: 'Search messages' }).click()
    await page.getByRole('searchbox', { name: 'Search in all rooms' }).fill('message 42')
    await page.getByRole('button', { name: 'Search messages' }).last().click()
    const result = page.locator('.cards li', { hasText: 'message 42' }).first()
    await result.waitFor()
    await assertAccessible(page, 'search')
    await result.getByRole('link', { name: 'Open' }).click()
    await page.getByRole('heading', { name: 'History', level: 1 }).waitFor()
  })

  it('renders hostile markdown inert: raw HTML as text, no scripts, handlers, foreign images or unsafe links', async () => {
    const page = alice.page
    const foreign: string[] = []
    page.on('request', (request) => {
      if (!request.url().startsWith(server.origin) && !/^(data|blob):/.test(request.url())) foreign.push(request.url())
    })
    const dialogs: string[] = []
    page.on('dialog', (dialog) => dialogs.push(dialog.message()))
    const hostile = [
      '<script>window.pwned = "script"</script>',
      `<img src="x" onerror="window.pwned = 'img'">`,
      '<a href="javascript:window.pwned=1">raw anchor</a> <iframe src="https://evil.example/"></iframe>',
      `<svg onload="window.pwned = 'svg'"></svg><style>body { display: none }</style>`,
      '[js link](javascript:window.pwned=2) [JS link](JaVaScRiPt:alert(1)) [entity](&#106;avascript:alert(1))',
      '[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [vb](vbscript:msgbox(1)) <javascript:alert(1)>',
      '![tracker](https://tracker.example/pixel.png) ![inline](data:image/svg+xml,<svg onload=alert(1)>)',
      '[titled](https://example.org/ok "x\\" onmouseover=\\"window.pwned=3")',
      '**bold** `<b>code</b>` [mail](mailto:vera@example.org) — the last one',
    ]
    for (const body of hostile) await politely(() => aliceApi.post(second, body))
    await page.getByRole('link', { name: /^Second/ }).click()
    const bodies = page.locator('li.message .markdown')
    await page.locator('li.message', { hasText: 'the last one' }).waitFor()
    assert.equal(await bodies.count(), hostile.length)

    // What is left in the page: only harmless elements, no handlers, links only to http(s) and mailto.
    const rendered = await bodies.evaluateAll((nodes) =>
      nodes.map((node) => ({
        tags: [...node.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()),
        handlers: [...node.querySelectorAll('*')].flatMap((e) =>
          [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => a.name),
        ),
        links: [...node.querySelectorAll('a')].map((a) => ({
          text: a.textContent,
          href: a.getAttribute('href'),
          rel: a.getAttribute('rel'),
          target: a.getAttribute('target'),
        })),
        text: node.textContent ?? '',
      })),
    )
    const tags = new Set(rendered.flatMap((r) => r.tags))
    for (const bad of ['script', 'img', 'iframe', 'svg', 'style', 'object', 'embed', 'form', 'input'])
      assert.ok(!tags.has(bad), `no <${bad}> in rendered messages: ${[...tags].join(', ')}`)
    assert.deepEqual(
      rendered.flatMap((r) => r.handlers),
      [],
      'no event-handler attributes',
    )
    const links = rendered.flatMap((r) => r.links)
    // (An address written as text is linked: it stays an http(s) link like any other.)
    assert.deepEqual(
      links.map((l) => [l.text, l.href]),
      [
        ['https://evil.example/', 'https://evil.example/'],
        ['titled', 'https://example.org/ok'],
        ['mail', 'mailto:vera@example.org'],
      ],
    )
    for (const link of links) assert.deepEqual([link.rel, link.target], ['noopener noreferrer nofollow', '_blank'])
    // Raw HTML stays visible as the text that was written; unsafe links as their markdown.
    assert.match(rendered[0]?.text ?? '', /<script>window\.pwned = "script"<\/script>/)
    assert.match(rendered[4]?.text ?? '', /\[js link\]\(javascript:window\.pwned=2\)/)
    assert.match(rendered[8]?.text ?? '', /bold <b>code<\/b> mail/)
    await page.locator('li.message .markdown a', { hasText: 'titled' }).hover()
    assert.equal(await page.evaluate(() => (globalThis as { pwned?: unknown }).pwned), undefined, 'nothing ran')
    assert.deepEqual(dialogs, [])
    assert.deepEqual(foreign, [], 'no request left this origin (no tracking pixel)')
    await screenshot(page, 'chat-hostile-markdown')
    await page.getByRole('link', { name: /^History/ }).click()
    await page.getByRole('heading', { name: 'History', level: 1 }).waitFor()
  })

  it('changes room settings live and shows a refusal in words', async () => {
    const page = alice.page
    await page.getByRole('button', { name: 'Room details' }).click()
    const dialog = page.getByRole('dialog', { name: 'History' })
    await dialog.getByRole('tab', { name: 'Settings' }).click()
    await dialog.getByLabel('Name', { exact: true }).fill('History (old)')
    await dialog.getByLabel('Description').fill('Where it all started')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.getByRole('status').filter({ hasText: 'Saved' }).waitFor()
    await assertAccessible(page, 'room settings')
    await screenshot(page, 'room-settings')
    await page.keyboard.press('Escape')
    await page.getByRole('heading', { name: 'History (old)', level: 1 }).waitFor()
    // Bob's view of the room is renamed too (room.updated over the realtime connection).
    assert.equal((await bobApi.room(history)).name, 'History (old)')

    const composer = page.getByRole('combobox', { name: 'Message History (old)' })
    await composer.fill('x'.repeat(32_001))
    await composer.press('Enter')
    await page.getByRole('alert').filter({ hasText: 'The message is too long.' }).waitFor()
    await composer.fill('')
    void second
    assert.deepEqual(alice.errors, [])
  })
})
