/**
 * Running a room from the web client, in Debian's Chromium against a real `parley serve`: the owner
 * promotes, removes and bans people from the participants panel (the banned person's list follows
 * live); each person's menu offers only what applies to their state (someone banned: Unban; someone
 * in the lobby: no promotion), the unbanned person joins again, and the timeline says who did what
 * to whom; and the recordings tab lists the room's recordings with working downloads. The recording is
 * put where Janus's recorder leaves one (a file in the data folder and its row in the store): making
 * one through a real call is test/media/janus-recording.test.ts's job.
 */
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { ParleyApiError, ParleyClient } from '@parley/client'
import { checkLooks, launchBrowser, openPerson, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'

describe('web client: moderation and recordings', () => {
  let server: Served
  let browser: Browser
  let alice: PersonPage
  let dave: PersonPage
  let aliceApi: ParleyClient
  let roomId = ''
  const ids: Record<string, string> = {}

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    for (const [name, display] of [
      ['alice', 'Alice'],
      ['bob', 'Bob'],
      ['carol', 'Carol'],
      ['dave', 'Dave'],
    ] as const) {
      await server.addUser(name, `${name} password 12`, { displayName: display })
      ids[name] = (
        await new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token(name) } }).me()
      ).id
    }
    aliceApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    roomId = (await aliceApi.createRoom({ kind: 'public', name: 'Club' })).id
    for (const name of ['bob', 'carol', 'dave']) await aliceApi.addParticipant(roomId, ids[name] ?? '')

    // A finished recording, as the recorder leaves it: its file and its row.
    const file = join(server.env.PARLEY_DATA_DIR ?? '', 'call-video.webm')
    writeFileSync(file, Buffer.alloc(2048, 7))
    const db = new DatabaseSync(join(server.env.PARLEY_DATA_DIR ?? '', 'parley.sqlite'))
    db.prepare(
      `INSERT INTO recordings (id, room_id, call_id, kind, source, participant_id, actor_type, actor_id, actor_name,
         mime_type, bytes, path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      randomUUID(),
      roomId,
      randomUUID(),
      'video',
      'camera',
      randomUUID(),
      'user',
      ids.alice ?? '',
      'Alice',
      'video/webm',
      2048,
      file,
      Date.now(),
    )
    db.close()

    browser = await launchBrowser()
    alice = await openPerson(browser, server.origin)
    await signIn(alice.page, 'alice', 'alice password 12')
    dave = await openPerson(browser, server.origin)
    await signIn(dave.page, 'dave', 'dave password 12')
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('the owner promotes Bob, removes Carol and bans Dave from the participants panel', async () => {
    const page = alice.page
    await page.getByRole('link', { name: /^Club/ }).click()
    await page.getByRole('button', { name: 'Room details' }).click()
    const details = page.getByRole('dialog', { name: 'Club' })
    const row = (name: string) => details.locator('li.participant', { hasText: name })
    await row('Dave').waitFor()

    await details.getByRole('button', { name: 'Actions for Bob' }).click()
    await page.getByRole('menuitem', { name: 'Make moderator' }).click()
    await row('Bob').getByText('Moderator').waitFor()

    await details.getByRole('button', { name: 'Actions for Carol' }).click()
    await page.getByRole('menuitem', { name: 'Remove' }).click()
    await row('Carol').waitFor({ state: 'detached' })

    await dave.page.getByRole('link', { name: /^Club/ }).waitFor()
    await details.getByRole('button', { name: 'Actions for Dave' }).click()
    await page.getByRole('menuitem', { name: 'Ban' }).click()
    await row('Dave').getByText('Banned').waitFor()
    // Dave's room list follows at once.
    await dave.page.getByRole('link', { name: /^Club/ }).waitFor({ state: 'detached' })
    await checkLooks(page, 'participants-moderated')

    const byId = new Map((await aliceApi.participants(roomId)).participants.map((p) => [p.actorId, p]))
    assert.equal(byId.get(ids.bob ?? '')?.role, 'moderator')
    assert.equal(byId.has(ids.carol ?? ''), false)
    assert.equal(byId.get(ids.dave ?? '')?.state, 'banned')
  })

  it('banned Dave is offered Unban alone; unbanned, he joins again, and in the lobby promoting him is not offered', async () => {
    const page = alice.page
    const details = page.getByRole('dialog', { name: 'Club' })
    const row = (name: string) => details.locator('li.participant', { hasText: name })
    const menu = async (name: string) => {
      await details.getByRole('button', { name: `Actions for ${name}` }).click()
      await page.getByRole('menu').waitFor()
      return page.getByRole('menuitem').allTextContents()
    }
    const daveApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('dave') } })
    // Signed-in people may find the room in the directory and join it, through the lobby.
    await aliceApi.updateRoom(roomId, { listable: 'users', lobby: true })
    await assert.rejects(daveApi.join(roomId), (e: unknown) => e instanceof ParleyApiError && e.code === 'banned')

    assert.deepEqual(await menu('Dave'), ['Send a message', 'Unban'], 'nothing the server refuses for someone banned')
    await checkLooks(page, 'participants-banned-menu', { show: page.getByRole('menu') })
    await page.getByRole('menuitem', { name: 'Unban' }).click()
    await row('Dave').waitFor({ state: 'detached' })

    // Dave finds the room in the room directory again and joins; he waits in the lobby.
    await dave.page.goto(`${server.origin}/search`)
    const directory = dave.page.getByRole('list', { name: 'Room directory' })
    await directory.getByRole('link', { name: 'Join Club' }).click()
    await dave.page.getByText('Waiting for a moderator to let you in…').waitFor()
    await row('Dave').getByText('Waiting in the lobby').waitFor()
    assert.deepEqual(await menu('Dave'), ['Send a message', 'Remove', 'Ban'], 'no promotion before he is in')
    await page.keyboard.press('Escape')
    await row('Dave').getByRole('button', { name: 'Admit' }).click()
    await row('Dave').getByText('Waiting in the lobby').waitFor({ state: 'detached' })

    // Dave, back in, reads what happened in sentences that say who and whom.
    await dave.page.getByRole('combobox', { name: 'Message Club' }).waitFor()
    for (const sentence of ['Alice removed Carol', 'Alice banned Dave', 'Alice lifted the ban on Dave', 'Dave joined'])
      await dave.page.locator('li.system-message', { hasText: sentence }).waitFor()
    await dave.page.locator('.sidebar a.room-item', { hasText: 'Dave joined' }).waitFor()
    await checkLooks(dave.page, 'system-messages')
    assert.equal(
      (await aliceApi.participants(roomId)).participants.find((p) => p.actorId === ids.dave)?.state,
      'active',
    )
  })

  it("the recordings tab lists the room's recordings, each a working download that its moderator may delete", async () => {
    const page = alice.page
    const details = page.getByRole('dialog', { name: 'Club' })
    await details.getByRole('tab', { name: 'Recordings' }).click()
    const item = details.locator('li.recording', { hasText: 'Alice · camera (video)' })
    await item.getByText('2 kB').waitFor()
    await checkLooks(page, 'recordings')
    const link = item.getByRole('link', { name: /^Download Alice · camera \(video\)/ })
    const href = (await link.getAttribute('href')) ?? ''
    assert.match(href, new RegExp(`^${server.origin}/api/v1/rooms/${roomId}/recordings/`))
    const reply = await page.request.get(href)
    assert.equal(reply.status(), 200)
    assert.equal(reply.headers()['content-type'], 'video/webm')
    assert.equal(reply.headers()['content-length'], '2048')
    assert.equal((await reply.body()).length, 2048)

    // Alice, the owner, deletes it (the page accepts the confirmation): gone from the list and the server.
    await item.getByRole('button', { name: /^Delete Alice · camera \(video\)/ }).click()
    await details.getByText('No recordings yet.').waitFor()
    assert.equal((await page.request.get(href)).status(), 404)
    assert.deepEqual(alice.errors, [])
    assert.deepEqual(dave.errors, [])
  })
})
