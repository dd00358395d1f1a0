/**
 * Federation work on two threads (PARLEY_FEDERATION_WORKERS=2, embedded SQLite queue, no Redis):
 * no worker thread runs until there is work for it; once one runs, direct messages posted at once
 * by a Mastodon are taken from the shared queue by both the main thread and the worker thread,
 * each exactly once, and every one reaches Bob's realtime session on the main thread — also those
 * the worker stored (through the thread bus). When threads start and stop by themselves:
 * server/src/federation/federation-workers.test.ts.
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { RealtimeClient, type RealtimeEvents } from '@parley/client'
import { startInstance, eventually, printLogsOnFailure, type TestInstance } from '../harness/instance.ts'
import { startFakeMastodon, type FakeMastodon } from '../harness/fake-mastodon.ts'

const N = 60

describe('federation workers share the queue', () => {
  let parley: TestInstance
  let mastodon: FakeMastodon
  let client: RealtimeClient
  const events: RealtimeEvents['event'][] = []

  before(async () => {
    ;[parley, mastodon] = await Promise.all([
      startInstance({ env: { PARLEY_FEDERATION_WORKERS: '2', PARLEY_CHAT_POSTS_PER_SECOND: '100000' } }),
      startFakeMastodon(),
    ])
  })
  afterEach(printLogsOnFailure(() => [parley]))
  after(async () => {
    client?.close()
    await Promise.all([parley?.close(), mastodon?.close()])
  })

  it('direct messages sent at once are handled by both threads, each once, and all reach the realtime session', async () => {
    const workers = parley.instance.workers
    assert.ok(workers, 'worker threads are allowed')
    // Started and idle: the main thread runs the queue alone (an idle instance holds one copy).
    assert.equal(workers.running, 0)
    const bob = await parley.addUser('bob')
    const inbox = `${parley.origin}/users/bob/inbox`
    const vars = { PARLEY: parley.origin, PARLEY_HOST: parley.host }
    const texts = (m: { body: string }[]) => m.map((x) => x.body).filter((body) => body.includes('meeting? #'))
    // The first message opens Bob's one-to-one room with the sender.
    const first = mastodon.fixture('create-direct-note.json', vars).replace('meeting?', 'meeting? #0')
    assert.equal((await mastodon.deliver(inbox, first)).status, 202)
    const roomId = await eventually(
      async () => (await parley.services.store.participants.roomsOf(bob.id))[0],
      15_000,
      'the one-to-one room',
    )
    const token = (await parley.services.accounts.createToken(bob.id, 'realtime')).secret
    client = new RealtimeClient({ baseUrl: parley.origin, auth: { token }, reconnect: false })
    client.on('event', (frame) => events.push(frame))
    await client.connect()
    // What a backlog would do, done now so that the thread surely runs before the messages come.
    assert.equal(await workers.grow(), true)
    assert.equal(workers.running, 1)
    const handledBefore = parley.instance.services.federation.queueHandled() + (await workers.handled())

    // Each note names a picture its server is slow to fail to give (200 ms, then 404), so that every
    // handler holds a hand that long and the main thread's 16 are soon all busy: a backlog the worker
    // thread takes from. (Without it the main thread, answering the POSTs of this very process,
    // takes each message as it comes and the worker never needs to.) The text then arrives alone.
    const missing = mastodon.slowMissingMedia('/system/media_attachments/files/113/original/gone.png', 200)
    const sends = Array.from({ length: N }, (_, i) =>
      mastodon.prepare(
        inbox,
        mastodon
          .fixture('create-direct-note-media.json', { ...vars, MEDIA_URL: missing, MEDIA_TYPE: 'image/png' })
          .replace('this morning', `this morning — meeting? #${i + 1}`),
      ),
    )
    const statuses = await Promise.all(sends.map((send) => send()))
    assert.deepEqual(
      statuses.filter((s) => s !== 202),
      [],
    )

    const newOnes = () =>
      events
        .filter((e) => e.roomId === roomId && e.event.type === 'message.new')
        .map((e) => (e.event as { message: { body: string } }).message)
    await eventually(async () => texts(newOnes()).length >= N, 60_000, `${N} messages on the realtime session`)
    const stored = await parley.services.store.messages.history({ roomId, after: 0, limit: 10 * N })
    const storedTexts = texts(stored.filter((m) => m.kind === 'text'))
    // Each message stored once, and seen once by the session: nothing handled twice.
    assert.equal(storedTexts.length, N + 1)
    assert.equal(new Set(storedTexts).size, N + 1)
    const seen = texts(newOnes())
    assert.equal(seen.length, N)
    assert.equal(new Set(seen).size, N)

    // A message is counted as handled once its handler finished and it left the queue, which may be
    // just after the session saw its chat message: the counts are read once the queue is empty.
    await parley.queueDrained()
    const main = parley.instance.services.federation.queueHandled()
    const worker = await workers.handled()
    assert.ok(main > 0 && worker > 0, `both threads took work (main ${main}, worker ${worker})`)
    // One queue message per inbound activity, taken by exactly one thread.
    assert.equal(main + worker - handledBefore, N)
  })
})
