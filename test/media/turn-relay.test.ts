/**
 * TURN through coturn with Parley's REST API credentials: a relay-only Chromium peer
 * (iceTransportPolicy 'relay') publishes to Janus through coturn with fresh credentials and its
 * video is decoded by a second page; with expired credentials it gets no relay candidate and never
 * connects. Needs Janus, coturn, Chromium and the private network namespace (npm run test:media).
 */
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { CoturnSupervisor, JanusEngine, JanusSupervisor, createTurnCredentials, type Router } from '@parley/server/media'
import { launchChromium, type LaunchedChromium } from './chromium.ts'
import { bufferedLogger, callPage, tempDir, waitFor } from './harness.ts'
import { MEDIA_ADDRESS, MEDIA_INTERFACE, requireMediaNetns } from './netns.ts'
import { startPageServer, type PageServer } from './page-server.ts'

const { logger, dump } = bufferedLogger()
const TURN_SECRET = 'parley-test-turn-secret-0123456789'
const TURN_PORT = 3478
const turnUrl = `turn:${MEDIA_ADDRESS}:${TURN_PORT}?transport=udp`
let janus: JanusSupervisor
let coturn: CoturnSupervisor
let engine: JanusEngine
let chromium: LaunchedChromium
let pages: PageServer
let router: Router
const cleanups: (() => Promise<void>)[] = []

before(async () => {
  requireMediaNetns()
  const janusDir = await tempDir('parley-janus-')
  const turnDir = await tempDir('parley-coturn-')
  cleanups.push(janusDir.remove, turnDir.remove)
  janus = new JanusSupervisor({ binary: '/usr/bin/janus', configDir: janusDir.path, port: 0, rtpPortRange: '20200-20399', iceInterfaces: [MEDIA_INTERFACE], logger })
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
    logger,
  })
  const [janusStarted, coturnStarted] = await Promise.all([janus.start(), coturn.start()])
  assert.ok(janusStarted.ok, `Janus did not start: ${JSON.stringify(!janusStarted.ok && janusStarted.error)}`)
  assert.ok(coturnStarted.ok, `coturn did not start: ${JSON.stringify(!coturnStarted.ok && coturnStarted.error)}`)
  console.log(`# measured: coturn start ${coturnStarted.value.startupMs} ms`)
  const connected = await JanusEngine.connect({ endpoint: janusStarted.value.endpoint, logger })
  assert.ok(connected.ok)
  engine = connected.value
  const created = await engine.createRouter({ callId: 'turn-call' })
  assert.ok(created.ok)
  router = created.value
  pages = await startPageServer()
  chromium = await launchChromium()
})

after(async () => {
  engine?.close()
  await chromium?.close()
  await pages?.close()
  await Promise.all([janus?.close(), coturn?.close()])
  for (const cleanup of cleanups) await cleanup()
})

function withLogs(body: (t: TestContext) => Promise<void>): (t: TestContext) => Promise<void> {
  return async (t) => {
    try {
      await body(t)
    } catch (error) {
      console.error(dump())
      throw error
    }
  }
}

async function openPage(): Promise<ReturnType<typeof callPage>> {
  const page = await chromium.context.newPage()
  await page.goto(pages.url)
  return callPage(page)
}

test('a relay-only peer publishes through coturn with fresh TURN credentials and its video is decoded (needs Janus, coturn, Chromium, netns)', withLogs(async () => {
  const turn = createTurnCredentials({ secret: TURN_SECRET, userId: 'alice', ttlSeconds: 600 })
  const alice = await openPage()
  const bob = await openPage()
  const send = await router.createSendTransport({ participantId: 'alice' })
  assert.ok(send.ok)
  const offer = await alice.publish('camera', { iceTransportPolicy: 'relay', iceServers: [{ urls: [turnUrl], username: turn.username, credential: turn.credential }] })
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
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const later = await bob.stats('feeds')
  assert.ok(later.framesDecoded > first.framesDecoded, `frames keep being decoded (${first.framesDecoded} → ${later.framesDecoded})`)
  assert.ok(later.audioPacketsReceived > first.audioPacketsReceived)
  send.value.close()
  recv.value.close()
}))

test('a relay-only peer with expired TURN credentials gets no relay candidate and does not connect (needs Janus, coturn, Chromium, netns)', withLogs(async () => {
  // Valid signature, expiry an hour ago: coturn refuses the allocation.
  const expired = createTurnCredentials({ secret: TURN_SECRET, userId: 'alice', ttlSeconds: 60, now: Date.now() - 3_600_000 })
  const alice = await openPage()
  const send = await router.createSendTransport({ participantId: 'alice' })
  assert.ok(send.ok)
  const offer = await alice.publish('camera', { iceTransportPolicy: 'relay', iceServers: [{ urls: [turnUrl], username: expired.username, credential: expired.credential }] })
  assert.doesNotMatch(offer, / typ relay /)
  const produced = await send.value.produce({ source: 'camera', offerSdp: offer })
  assert.ok(produced.ok, JSON.stringify(!produced.ok && produced.error))
  await alice.setAnswer('camera', produced.value.answerSdp)
  await new Promise((resolve) => setTimeout(resolve, 4000))
  const stats = await alice.stats('camera')
  assert.notEqual(stats.connectionState, 'connected')
  assert.deepEqual(stats.localCandidateTypes.filter((type) => type === 'relay'), [])
  assert.equal(stats.selectedLocalCandidateType, null)
  assert.equal(produced.value.producer.isLive, false, 'Janus never saw the PeerConnection come up')
  // coturn's words for a REST API username whose expiry has passed.
  assert.ok(dump().includes(`Cannot find credentials of user <${expired.username}>`), 'coturn refused the expired credentials')
  send.value.close()
}))
