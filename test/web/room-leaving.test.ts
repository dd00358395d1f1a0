/**
 * When a room stops being someone's, in Debian's Chromium against a real `parley serve`: a room
 * opened by its link (or after a reload) gives way at once to the reason when its person is
 * removed, banned or the room deleted, as one opened from the list does, and keeps its new name
 * until then; someone in a lobby is told they were not let in, or stops waiting with a button, and
 * their other devices show them waiting; a
 * guest's page says plainly why the visit ended; a one-to-one room whose other person left keeps
 * their name, and writing in it brings them back.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { ParleyClient } from '@parley/client'
import { checkLooks, launchBrowser, openPerson, signIn, type PersonPage } from './browser.ts'
import { ensureWebBuilt, serve, type Served } from './serve.ts'
import { signInAndJoin } from './people.ts'

describe('web client: leaving rooms and lobbies, and why a room is gone', () => {
  let server: Served
  let browser: Browser
  let alice: ParleyClient
  const ids: Record<string, string> = {}
  const people: PersonPage[] = []

  before(async () => {
    await ensureWebBuilt()
    server = await serve()
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) {
      await server.addUser(name, `${name} password 12`, { displayName: name[0]?.toUpperCase() + name.slice(1) })
      ids[name] = (
        await new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token(name) } }).me()
      ).id
    }
    alice = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('alice') } })
    browser = await launchBrowser()
  })
  after(async () => {
    for (const p of people) assert.deepEqual(p.errors, [])
    await browser?.close()
    await server?.close()
  })

  const person = async (path = '/') => {
    const p = await openPerson(browser, server.origin, { path })
    people.push(p)
    return p
  }
  const composer = (page: Page) => page.getByRole('combobox', { name: /^Message/ })
  const note = (page: Page, text: string) => page.getByRole('alert').filter({ hasText: text })

  it('a room opened by its link follows a rename, then shows why at once when removed, banned or deleted', async () => {
    const club = await alice.createRoom({ kind: 'group', name: 'Club' })
    const plaza = await alice.createRoom({ kind: 'public', name: 'Plaza' })
    const doomed = await alice.createRoom({ kind: 'group', name: 'Doomed' })
    for (const room of [club, plaza, doomed])
      for (const name of ['bob', 'carol']) await alice.addParticipant(room.id, ids[name] ?? '')

    // Opened by link, signed in there: the screen mounts before the room list has loaded.
    const bob = await person(`/r/${club.id}`)
    await signIn(bob.page, 'bob', 'bob password 12')
    await bob.page.getByRole('heading', { name: 'Club', level: 1 }).waitFor()
    await alice.updateRoom(club.id, { name: 'Club renamed' })
    await bob.page.getByRole('heading', { name: 'Club renamed', level: 1 }).waitFor()
    await alice.removeParticipant(club.id, ids.bob ?? '')
    await note(bob.page, 'You were removed from this room.').waitFor()
    await composer(bob.page).waitFor({ state: 'detached' })
    assert.equal(await bob.page.getByRole('heading', { name: 'Club', level: 1 }).count(), 0, 'no old name comes back')
    assert.equal(await bob.page.getByRole('button', { name: 'Start call' }).count(), 0)

    const carol = await person(`/r/${plaza.id}`)
    await signIn(carol.page, 'carol', 'carol password 12')
    await composer(carol.page).waitFor()
    await alice.ban(plaza.id, ids.carol ?? '')
    await note(carol.page, 'You are banned from this room.').waitFor()
    await composer(carol.page).waitFor({ state: 'detached' })

    await carol.page.goto(`${server.origin}/r/${doomed.id}`)
    await composer(carol.page).waitFor()
    await alice.deleteRoom(doomed.id)
    await note(carol.page, 'This room was deleted.').waitFor()
    await composer(carol.page).waitFor({ state: 'detached' })
    await checkLooks(carol.page, 'room-deleted')
  })

  it('someone waiting in the lobby is told when not let in, and can stop waiting', async () => {
    const gate = await alice.createRoom({ kind: 'public', name: 'Gate', lobby: true })
    const [dave, erin, bob] = [await person(), await person(), await person()]
    await signInAndJoin(dave.page, server.origin, 'dave', 'dave password 12', gate.id, 'Gate')
    await signInAndJoin(erin.page, server.origin, 'erin', 'erin password 12', gate.id, 'Gate')
    await signInAndJoin(bob.page, server.origin, 'bob', 'bob password 12', gate.id, 'Gate')
    for (const p of [dave, erin, bob]) await p.page.getByText('Waiting for a moderator to let you in…').waitFor()
    await checkLooks(dave.page, 'lobby-waiting')

    await alice.removeParticipant(gate.id, ids.dave ?? '')
    await note(dave.page, 'You were not let in.').waitFor()
    await dave.page.getByText('Waiting for a moderator to let you in…').waitFor({ state: 'detached' })
    await dave.page.getByRole('link', { name: /^Gate/ }).waitFor({ state: 'detached' })
    await checkLooks(dave.page, 'lobby-not-let-in')

    await alice.ban(gate.id, ids.erin ?? '')
    await note(erin.page, 'You were not let in.').waitFor()

    await bob.page.getByRole('link', { name: /^Gate/ }).waitFor()
    await bob.page.getByRole('button', { name: 'Stop waiting' }).click()
    await bob.page.waitForURL(`${server.origin}/`)
    await bob.page.getByRole('link', { name: /^Gate/ }).waitFor({ state: 'detached' })
    const left = await alice.participants(gate.id)
    assert.equal(
      left.participants.some((p) => p.actorId === ids.bob),
      false,
      'Bob is no longer waiting',
    )
  })

  it('a lobby joined on one device shows on the other: waiting in the room list, then the room once admitted', async () => {
    const gate = await alice.createRoom({ kind: 'public', name: 'Side door', lobby: true })
    const [laptop, phone] = [await person(), await person()]
    await signIn(phone.page, 'carol', 'carol password 12')
    await phone.page.getByRole('heading', { name: 'Rooms' }).waitFor()
    await signInAndJoin(laptop.page, server.origin, 'carol', 'carol password 12', gate.id, 'Side door')
    await laptop.page.getByText('Waiting for a moderator to let you in…').waitFor()

    // The phone's page, open all along, lists the room as waiting, and opening it says so.
    const listed = phone.page.getByRole('link', { name: /^Side door/ })
    await listed.filter({ hasText: 'Waiting in the lobby' }).waitFor()
    await listed.click()
    await phone.page.getByText('Waiting for a moderator to let you in…').waitFor()

    await alice.admit(gate.id, ids.carol ?? '')
    for (const device of [laptop, phone]) await composer(device.page).waitFor()
    await listed.filter({ hasText: 'Waiting in the lobby' }).waitFor({ state: 'detached' })
  })

  it("a guest's page says why the visit ended: not let in, removed, the room deleted; or the guest stops waiting", async () => {
    const gate = await alice.createRoom({ kind: 'public', name: 'Front door', lobby: true })
    const open = await alice.createRoom({ kind: 'public', name: 'Open house' })
    const asGuest = async (roomId: string, name: string) => {
      const guest = await person(`/join/${encodeURIComponent(roomId)}`)
      await guest.page.getByLabel('Your name').fill(name)
      await guest.page.getByRole('button', { name: 'Join' }).click()
      return guest
    }
    const guestId = async (roomId: string, name: string) =>
      (await alice.participants(roomId)).participants.find((p) => p.displayName === name)?.actorId ?? ''

    const vera = await asGuest(gate.id, 'Vera')
    const wanda = await asGuest(gate.id, 'Wanda')
    for (const g of [vera, wanda]) await g.page.getByText('Waiting for a moderator to let you in…').waitFor()
    await alice.removeParticipant(gate.id, await guestId(gate.id, 'Vera'))
    await note(vera.page, 'You were not let in.').waitFor()
    assert.equal(await vera.page.getByText('Offline').count(), 0, 'no offer to reconnect')
    await checkLooks(vera.page, 'guest-not-let-in')

    await wanda.page.getByRole('button', { name: 'Stop waiting' }).click()
    await wanda.page.getByRole('heading', { name: 'Join the conversation' }).waitFor()
    assert.equal(await guestId(gate.id, 'Wanda'), '', 'Wanda is no longer waiting')

    const walt = await asGuest(open.id, 'Walt')
    const xena = await asGuest(open.id, 'Xena')
    for (const g of [walt, xena]) await composer(g.page).waitFor()
    await alice.removeParticipant(open.id, await guestId(open.id, 'Walt'))
    await note(walt.page, 'You were removed from this room.').waitFor()
    await composer(walt.page).waitFor({ state: 'detached' })
    assert.equal(await walt.page.getByText('Reload the page').count(), 0)
    await alice.deleteRoom(open.id)
    await note(xena.page, 'This room was deleted.').waitFor()
    await composer(xena.page).waitFor({ state: 'detached' })
    assert.equal(await xena.page.getByText('Reload the page').count(), 0)
  })

  it('a one-to-one room keeps the name of the person who left, and writing brings them back', async () => {
    const bobApi = new ParleyClient({ baseUrl: server.origin, auth: { token: await server.token('bob') } })
    const pair = await alice.oneToOne(ids.bob ?? '')
    await alice.post(pair.id, 'hi bob')
    await bobApi.leave(pair.id)

    const bob = await person()
    await signIn(bob.page, 'bob', 'bob password 12')
    const a = await person(`/r/${pair.id}`)
    await signIn(a.page, 'alice', 'alice password 12')
    await a.page.getByRole('heading', { name: 'Bob', level: 1 }).waitFor()
    await a.page.getByRole('link', { name: /^Bob/ }).waitFor()
    await composer(a.page).fill('are you there?')
    await composer(a.page).press('Enter')
    // Bob is back in the room: it shows in his list with Alice's message, and he can open and read it.
    await bob.page.getByRole('link', { name: /^Alice/ }).click()
    await bob.page.locator('li.message', { hasText: 'are you there?' }).waitFor()
    await bob.page.getByRole('heading', { name: 'Alice', level: 1 }).waitFor()
  })
})
