/**
 * A relay-only participant (iceTransportPolicy 'relay') in a mesh call through the real gateway:
 * with fresh TURN credentials from GET /api/v1/calls/ice-servers it connects through coturn and
 * both sides decode; with expired credentials coturn refuses the allocation and it never
 * connects (and CallClient refuses credentials it can tell are expired). Needs coturn, Chromium
 * and the private network namespace (npm run test:media).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { CoturnSupervisor, createTurnCredentials } from '@parley/server/media'
import { launchChromium, type LaunchedChromium } from './chromium.ts'
import { bufferedLogger, tempDir, waitFor } from './harness.ts'
import { MEDIA_ADDRESS, requireMediaNetns } from './netns.ts'
import { startPageServer, type PageServer } from './page-server.ts'
import { startCallInstance, type CallInstance } from './sdk-fixture.ts'

const TURN_SECRET = 'parley-test-turn-secret-for-calls-0123'
const turnUrl = `turn:${MEDIA_ADDRESS}:3478?transport=udp`
const coturnLogs = bufferedLogger()
let chromium: LaunchedChromium
let pages: PageServer
let parley: CallInstance
let coturn: CoturnSupervisor
let removeTurnDir = async () => {}

before(async () => {
  requireMediaNetns()
  const turnDir = await tempDir('parley-coturn-calls-')
  removeTurnDir = turnDir.remove
  coturn = new CoturnSupervisor({
    configDir: turnDir.path,
    listeningIp: MEDIA_ADDRESS,
    relayIp: MEDIA_ADDRESS,
    port: 3478,
    secret: TURN_SECRET,
    realm: 'parley.test',
    minRelayPort: 40200,
    maxRelayPort: 40399,
    allowLoopbackPeers: true,
    logger: coturnLogs.logger,
  })
  const started = await coturn.start()
  assert.ok(started.ok, `coturn did not start: ${JSON.stringify(!started.ok && started.error)}`)
  pages = await startPageServer()
  chromium = await launchChromium()
  parley = await startCallInstance(chromium, pages, {
    env: { PARLEY_TURN_URLS: turnUrl, PARLEY_TURN_SECRET: TURN_SECRET, PARLEY_TURN_CREDENTIAL_TTL_SECONDS: '600' },
  })
})
after(async () => {
  await parley?.close()
  await chromium?.close()
  await pages?.close()
  await coturn?.close()
  await removeTurnDir()
})

const AV = { audio: true, video: true, screen: false }

test('CallClient: a relay-only participant connects through coturn with fresh credentials from /api/v1/calls/ice-servers, not with expired ones (needs coturn, Chromium, netns)', async () => {
  try {
    const [nia, rob, eve] = await Promise.all(['nia', 'rob', 'eve'].map((n) => parley.person(n)))
    assert.ok(nia && rob && eve)
    const room = await nia.rest.createRoom({ kind: 'group', name: 'Relay' })
    await nia.rest.addParticipant(room.id, rob.id)
    const fresh = await rob.rest.iceServers()
    assert.equal(fresh.iceServers[0]?.urls[0], turnUrl)
    assert.ok(fresh.expiresAt && Date.parse(fresh.expiresAt) > Date.now())
    const [n, r] = await Promise.all([parley.open(nia), parley.open(rob)])
    assert.ok(n && r)
    assert.ok((await n.start({ roomId: room.id, media: AV })).ok)
    assert.ok((await r.start({ roomId: room.id, media: AV, iceServers: fresh, iceTransportPolicy: 'relay' })).ok)
    const stats = await waitFor(
      'both decoding each other, rob through the relay',
      async () => {
        const [a, b] = await Promise.all([n.stats(), r.stats()])
        return a.videoStreamsDecoding === 1 && b.videoStreamsDecoding === 1 && b.audioStreamsReceiving === 1
          ? b
          : undefined
      },
      15_000,
    )
    assert.deepEqual(stats.selectedLocalCandidateTypes, ['relay'])

    // Expired credentials (signed right, expiry an hour ago): coturn refuses, eve never connects.
    await nia.rest.addParticipant(room.id, eve.id)
    const old = createTurnCredentials({
      secret: TURN_SECRET,
      userId: eve.id,
      ttlSeconds: 60,
      now: Date.now() - 3_600_000,
    })
    const e = await parley.open(eve)
    const refused = await e.start({
      roomId: room.id,
      media: AV,
      iceServers: {
        iceServers: [{ urls: [turnUrl], username: old.username, credential: old.credential }],
        expiresAt: old.expiresAt.toISOString(),
      },
      iceTransportPolicy: 'relay',
    })
    assert.equal(refused.ok, false, 'CallClient refuses credentials it can tell are expired')
    assert.match(!refused.ok ? refused.code : '', /TURN credentials expired/)
    await e.close()
    const e2 = await parley.open(eve)
    const joined = await e2.start({
      roomId: room.id,
      media: AV,
      iceServers: {
        iceServers: [{ urls: [turnUrl], username: old.username, credential: old.credential }],
        expiresAt: null,
      },
      iceTransportPolicy: 'relay',
    })
    assert.ok(joined.ok, 'signalling works; media cannot')
    // coturn refused eve's allocations and every connection of hers finished gathering: no candidate
    // will come, so no path can ever form — checked now, not after a pause.
    const eveStats = await waitFor(
      "coturn's refusal and eve's gathering complete",
      async () => {
        const s = await e2.stats()
        return coturnLogs.dump().includes(`Cannot find credentials of user <${old.username}>`) &&
          s.gathering.length > 0 &&
          s.gathering.every((state) => state === 'complete')
          ? s
          : undefined
      },
      15_000,
    )
    assert.equal(eveStats.videoStreamsDecoding, 0)
    assert.ok(!eveStats.states.includes('connected'), `eve never connects (${eveStats.states.join(', ')})`)
    assert.ok(
      coturnLogs.dump().includes(`Cannot find credentials of user <${old.username}>`),
      'coturn refused the expired credentials',
    )
    // The others are unaffected.
    const after = await r.stats()
    assert.ok(after.framesDecoded > stats.framesDecoded)
  } catch (error) {
    console.error(coturnLogs.dump())
    throw error
  } finally {
    await parley.closePages()
  }
})
