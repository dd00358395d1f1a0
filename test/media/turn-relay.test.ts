/**
 * TURN through coturn with Parley's REST API credentials: a relay-only Chromium peer
 * (iceTransportPolicy 'relay') publishes to Janus through coturn with fresh credentials and its
 * video is decoded by a second page; with expired credentials it gets no relay candidate and never
 * connects. A media bridge restarted after its first TURN credentials expired gets fresh ones and
 * allocates a relay again. Needs Janus, coturn, Chromium and the private network namespace (npm run
 * test:media).
 */
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import {
  CoturnSupervisor,
  createTurnCredentials,
  FeedBridges,
  routerOrigin,
  routerTarget,
  type FeedOrigin,
  type Router,
} from '@parley/server/media'
import { bufferedLogger, tempDir, waitFor } from './harness.ts'
import { startJanusFixture, type JanusFixture } from './janus-fixture.ts'
import { MEDIA_ADDRESS } from './netns.ts'

const TURN_SECRET = 'parley-test-turn-secret-0123456789'
const TURN_PORT = 3478
const turnUrl = `turn:${MEDIA_ADDRESS}:${TURN_PORT}?transport=udp`
const coturnLogs = bufferedLogger()
let fixture: JanusFixture
let coturn: CoturnSupervisor
let router: Router
let removeTurnDir = async () => {}

before(async () => {
  fixture = await startJanusFixture({ rtpPortRange: '20200-20399' })
  const turnDir = await tempDir('parley-coturn-')
  removeTurnDir = turnDir.remove
  coturn = new CoturnSupervisor({
    configDir: turnDir.path,
    listeningIp: MEDIA_ADDRESS,
    relayIp: MEDIA_ADDRESS,
    port: TURN_PORT,
    secret: TURN_SECRET,
    realm: 'parley.test',
    minRelayPort: 40000,
    maxRelayPort: 40199,
    allowLoopbackPeers: true,
    logger: coturnLogs.logger,
  })
  const started = await coturn.start()
  assert.ok(started.ok, `coturn did not start: ${JSON.stringify(!started.ok && started.error)}`)
  console.log(`# measured: coturn start ${started.value.startupMs} ms`)
  router = await fixture.newRouter('turn-call')
})

after(async () => {
  await fixture?.close()
  await coturn?.close()
  await removeTurnDir()
})

const withLogs = (body: (t: TestContext) => Promise<void>) => (t: TestContext) =>
  fixture.withLogs(async (context) => {
    try {
      await body(context)
    } catch (error) {
      console.error(coturnLogs.dump())
      throw error
    }
  })(t)
const openPage = () => fixture.openPage()
const dump = () => coturnLogs.dump()

test(
  'a relay-only peer publishes through coturn with fresh TURN credentials and its video is decoded (needs Janus, coturn, Chromium, netns)',
  withLogs(async () => {
    const turn = createTurnCredentials({ secret: TURN_SECRET, userId: 'alice', ttlSeconds: 600 })
    const alice = await openPage()
    const bob = await openPage()
    const send = await router.createSendTransport({ participantId: 'alice' })
    assert.ok(send.ok)
    const offer = await alice.publish('camera', {
      iceTransportPolicy: 'relay',
      iceServers: [{ urls: [turnUrl], username: turn.username, credential: turn.credential }],
    })
    assert.match(offer, / typ relay /, 'the relay-only offer carries a relay candidate')
    assert.doesNotMatch(offer, / typ host /)
    const produced = await send.value.produce({ source: 'camera', offerSdp: offer })
    assert.ok(produced.ok, JSON.stringify(!produced.ok && produced.error))
    await alice.setAnswer('camera', produced.value.answerSdp)

    const recv = await router.createRecvTransport({ participantId: 'bob' })
    assert.ok(recv.ok)
    const consumed = await recv.value.consume({ producerIds: [produced.value.producer.id] })
    assert.ok(consumed.ok, JSON.stringify(!consumed.ok && consumed.error))
    const started = await recv.value.setRemoteAnswer(await bob.subscribe('feeds', consumed.value.offerSdp))
    assert.ok(started.ok)

    const sender = await waitFor('the relay-only peer to connect', async () => {
      const stats = await alice.stats('camera')
      return stats.connectionState === 'connected' ? stats : undefined
    })
    assert.equal(sender.selectedLocalCandidateType, 'relay')
    const first = await waitFor('a decoded frame', async () => {
      const stats = await bob.stats('feeds')
      return stats.framesDecoded > 0 ? stats : undefined
    })
    // Progress is waited for, not a fixed second.
    const later = await waitFor('more frames and audio', async () => {
      const stats = await bob.stats('feeds')
      return stats.framesDecoded > first.framesDecoded && stats.audioPacketsReceived > first.audioPacketsReceived
        ? stats
        : undefined
    })
    assert.ok(
      later.framesDecoded > first.framesDecoded,
      `frames keep being decoded (${first.framesDecoded} → ${later.framesDecoded})`,
    )
    assert.ok(later.audioPacketsReceived > first.audioPacketsReceived)
    send.value.close()
    recv.value.close()
  }),
)

test(
  'a relay-only peer with expired TURN credentials gets no relay candidate and does not connect (needs Janus, coturn, Chromium, netns)',
  withLogs(async () => {
    // Valid signature, expiry an hour ago: coturn refuses the allocation.
    const expired = createTurnCredentials({
      secret: TURN_SECRET,
      userId: 'alice',
      ttlSeconds: 60,
      now: Date.now() - 3_600_000,
    })
    const alice = await openPage()
    const send = await router.createSendTransport({ participantId: 'alice' })
    assert.ok(send.ok)
    const offer = await alice.publish('camera', {
      iceTransportPolicy: 'relay',
      iceServers: [{ urls: [turnUrl], username: expired.username, credential: expired.credential }],
    })
    assert.doesNotMatch(offer, / typ relay /)
    const produced = await send.value.produce({ source: 'camera', offerSdp: offer })
    assert.ok(produced.ok, JSON.stringify(!produced.ok && produced.error))
    await alice.setAnswer('camera', produced.value.answerSdp)
    // coturn refused the allocation and the page finished gathering: no candidate will come, so no
    // path can ever form — checked now, not after a pause.
    const stats = await waitFor(
      'the allocation refused and gathering complete',
      async () => {
        const s = await alice.stats('camera')
        return dump().includes(`Cannot find credentials of user <${expired.username}>`) &&
          s.iceGatheringState === 'complete'
          ? s
          : undefined
      },
      15_000,
    )
    assert.notEqual(stats.connectionState, 'connected')
    assert.deepEqual(
      stats.localCandidateTypes.filter((type) => type === 'relay'),
      [],
    )
    assert.equal(stats.selectedLocalCandidateType, null)
    assert.equal(produced.value.producer.isLive, false, 'Janus never saw the PeerConnection come up')
    // coturn's words for a REST API username whose expiry has passed.
    assert.ok(
      dump().includes(`Cannot find credentials of user <${expired.username}>`),
      'coturn refused the expired credentials',
    )
    send.value.close()
  }),
)

test(
  'a media bridge restarted after its TURN credentials expired asks for fresh ones: coturn allocates it a relay again (needs Janus, coturn, Chromium, netns)',
  withLogs(async () => {
    const { logger } = bufferedLogger()
    const origin = await fixture.newRouter('turn-bridge-origin')
    const target = await fixture.newRouter('turn-bridge-target')
    const alice = await openPage()
    const send = await origin.createSendTransport({ participantId: 'alice' })
    assert.ok(send.ok)
    const produced = await send.value.produce({ source: 'camera', offerSdp: await alice.publish('camera') })
    assert.ok(produced.ok, JSON.stringify(!produced.ok && produced.error))
    await alice.setAnswer('camera', produced.value.answerSdp)
    const feedId = produced.value.producer.id
    // The credentials each start of the bridge was handed, as the server's TURN REST issuer makes
    // them; the first ones expire a few seconds after they are issued.
    const issued: { username: string; expiresAt: number }[] = []
    const iceServers = () => {
      const first = issued.length === 0
      const now = first ? Date.now() - 56_000 : Date.now()
      const turn = createTurnCredentials({ secret: TURN_SECRET, userId: 'parley-bridge', ttlSeconds: 60, now })
      issued.push({ username: turn.username, expiresAt: now + 60_000 })
      return [{ urls: turnUrl, username: turn.username, credential: turn.credential }]
    }
    // The real origin, whose subscriptions' answers (the bridge's ICE candidates) we read.
    const answers: string[] = []
    const real = routerOrigin(origin)
    const watched: FeedOrigin = {
      feed: (id) => real.feed(id),
      subscribe: async (id, participantId) => {
        const subscribed = await real.subscribe(id, participantId)
        if (!subscribed.ok) return subscribed
        const subscription = subscribed.value
        return {
          ok: true,
          value: {
            ...subscription,
            offerSdp: subscription.offerSdp,
            answer: (sdp) => {
              answers.push(sdp)
              return subscription.answer(sdp)
            },
            close: () => subscription.close(),
            onClose: (listener) => subscription.onClose(listener),
          },
        }
      },
    }
    const bridges = new FeedBridges({
      origin: watched,
      target: routerTarget(target),
      hostAddresses: [MEDIA_ADDRESS],
      iceServers,
      logger,
    })
    const copies: string[] = []
    bridges.observer.on('bridged', (id, copy) => id === feedId && copies.push(copy.id))
    try {
      bridges.want(feedId, 'bob')
      await waitFor('the first copy', async () => copies[0], 15_000)
      assert.match(answers[0] ?? '', / typ relay /, 'the first start got a relay from coturn')
      const firstExpiry = issued[0]?.expiresAt ?? 0
      await waitFor(
        'the first TURN credentials to expire',
        async () => Date.now() > firstExpiry + 1000 || undefined,
        15_000,
      )

      // The bridge dies after its credentials expired: its restart asks for fresh ones.
      bridges.bridges().get(feedId)?.close('killed by the test')
      await waitFor('the copy of the restarted bridge', async () => copies[1], 15_000)
      assert.equal(issued.length, 2, 'credentials asked for at each start')
      assert.notEqual(issued[1]?.username, issued[0]?.username)
      assert.match(answers[1] ?? '', / typ relay /, 'the restarted bridge got a relay with its fresh credentials')
      const legs = bridges.bridges().get(feedId)?.legs()
      assert.deepEqual(legs?.subscriber, { connection: 'connected', dtls: 'connected', srtp: true })
    } finally {
      bridges.close()
      send.value.close()
    }
  }),
)
