/**
 * A media bridge across instances over the real signed call channel: the room is hosted on A, whose
 * Janus is on 127.0.0.2; Alice's browser (SDK page) joins its call and publishes. B's bridge (here
 * driven by the test on B's behalf, with B's signature) subscribes to her feed on A's Janus through
 * `cascade.bridge-subscribe`/`-offer`/`-answer` and republishes it into B's own Janus on 127.0.0.3,
 * where Bob's page subscribes and decodes her — Bob's page talks to B's Janus only. Both bridge legs
 * are DTLS-SRTP; Carol on B wanting the same feed adds no second subscription on A; feeds that do
 * not exist are refused. Needs Janus, Chromium and the namespace (npm run test:media).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { ParleyClient } from '@parley/client'
import { CASCADE_CHANNEL_PATH, type CallFeedView, type HostCascadeFrame, type ServerCallJoined } from '@parley/protocol'
import { FeedBridge, FeedBridges, routerOrigin, routerTarget } from '@parley/server/media'
import { RemoteFeedOrigin, RemoteFeedTarget } from '@parley/server/cascade'
import { bufferedLogger, waitFor } from './harness.ts'
import { startJanusFixture, type JanusFixture } from './janus-fixture.ts'
import { MEDIA_ADDRESS, MEDIA_INTERFACE } from './netns.ts'
import { B_ADDRESS, startSecondJanus, type SecondJanus } from './second-janus.ts'
import { sdkPage, type Person } from './sdk-fixture.ts'
import { startInstance, type TestInstance } from '../harness/instance.ts'
import { apiAs, inviteAndJoin, type Api } from '../harness/rooms.ts'

let fixture: JanusFixture
let janusB: SecondJanus
let a: TestInstance
let b: TestInstance

before(async () => {
  fixture = await startJanusFixture({ rtpPortRange: '21800-21899', chromiumArgs: ['--ignore-certificate-errors'] })
  janusB = await startSecondJanus('21900-21999')
  ;[a, b] = await Promise.all([
    startInstance({
      env: { PARLEY_MEDIA_ENGINE: 'janus', PARLEY_JANUS_ICE_INTERFACES: MEDIA_INTERFACE },
      media: { engine: fixture.engine, iceServers: () => ({ iceServers: [], expiresAt: null }) },
    }),
    startInstance(),
  ])
})
after(async () => {
  await Promise.all([a?.close(), b?.close()])
  await janusB?.close()
  await fixture?.close()
})

async function person(instance: TestInstance, name: string): Promise<Person & { api: Api }> {
  const { id, api } = await apiAs(instance, name, name)
  const token = (await instance.services.accounts.createToken(id, 'page')).secret
  return { name, id, token, rest: new ParleyClient({ baseUrl: instance.origin, auth: { token } }), api }
}

/** B's call channel to A, signed with B's instance actor key as B's own channel is. */
async function channelFromB(): Promise<{ socket: WebSocket; frames: HostCascadeFrame[] }> {
  const url = `${a.origin}${CASCADE_CHANNEL_PATH}`
  const headers = await b.instance.federation.callChannels.sign(url)
  assert.ok(headers)
  const socket = new WebSocket(url.replace(/^https/, 'wss'), { headers, rejectUnauthorized: false })
  const frames: HostCascadeFrame[] = []
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as HostCascadeFrame)
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  return { socket, frames }
}

test('A bridge on B subscribes to Alice’s feed on A’s Janus over the call channel and republishes it into B’s Janus: Bob decodes her from B’s Janus only, DTLS-SRTP on both legs, one copy for Bob and Carol (needs Janus, Chromium, netns)', (t) =>
  fixture.withLogs(async () => {
    const { logger } = bufferedLogger()
    const [alice, bob] = await Promise.all([person(a, 'alice'), person(b, 'bob')])
    const roomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Bridged' } })).json.id,
    )
    const roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice.api, roomId, b, bob.api, 'bob')
    const alicePage = await fixture.chromium.context.newPage()
    await alicePage.goto(fixture.pages.page('sdk.html'))
    await alicePage.waitForFunction(() => 'app' in globalThis)
    const pa = sdkPage(alicePage, a.origin, alice)
    const [bobPage, carolPage] = await Promise.all([fixture.openPage(), fixture.openPage()])
    const { socket, frames } = await channelFromB()
    const routerB = await janusB.newRouter('bridged-on-b')
    const origin = new RemoteFeedOrigin({ room: roomUri, send: (f) => socket.send(JSON.stringify(f)) })
    socket.on('message', (data) => origin.receive(JSON.parse(String(data)) as HostCascadeFrame))
    const bridges = new FeedBridges({
      origin,
      target: routerTarget(routerB),
      hostAddresses: [B_ADDRESS],
      iceServers: () => [],
      logger,
    })
    try {
      const started = await pa.start({ roomId, media: { audio: true, video: true, screen: false } })
      assert.ok(started.ok, JSON.stringify(started))
      assert.equal(started.engine, 'sfu')
      // B follows the room: the host's snapshot names the call's feeds.
      const feeds = await waitFor(
        'alice’s feed in the host’s snapshot',
        async () => {
          socket.send(JSON.stringify({ type: 'cascade.subscribe', room: roomUri }))
          const snapshot = await waitFor('subscribed', async () =>
            frames.findLast((f) => f.type === 'cascade.subscribed'),
          )
          frames.length = 0
          const views: CallFeedView[] = snapshot.type === 'cascade.subscribed' ? (snapshot.call?.feeds ?? []) : []
          return views.length > 0 ? views : undefined
        },
        15_000,
      )
      origin.setFeeds(feeds)
      const feedId = feeds[0]!.feedId

      // A feed that does not exist is refused by the host, nothing else changes.
      socket.send(JSON.stringify({ type: 'cascade.bridge-subscribe', room: roomUri, bridge: 'nope', feed: '999' }))
      const refused = await waitFor('the refusal', async () => frames.find((f) => f.type === 'cascade.error'))
      assert.equal(refused.type === 'cascade.error' && refused.error.code, 'media-not-found')

      const copies: string[] = []
      bridges.observer.on('bridged', (_id, copy) => copies.push(copy.id))
      bridges.want(feedId, 'bob')
      const copy = await waitFor('the copy on B', async () => copies[0], 20_000)
      const watch = async (page: typeof bobPage, who: string) => {
        const recv = await routerB.createRecvTransport({ participantId: who })
        assert.ok(recv.ok)
        const consumed = await recv.value.consume({ producerIds: [copy] })
        assert.ok(consumed.ok, JSON.stringify(!consumed.ok && consumed.error))
        assert.ok((await recv.value.setRemoteAnswer(await page.subscribe('feeds', consumed.value.offerSdp))).ok)
        return waitFor(
          `${who} decoding alice through the bridge`,
          async () => {
            const s = await page.stats('feeds')
            return s.framesDecoded > 5 && s.audioPacketsReceived > 20 ? s : undefined
          },
          20_000,
        )
      }
      const bobStats = await watch(bobPage, 'bob')
      assert.equal(bobStats.selectedRemoteAddress, B_ADDRESS, 'bob’s page talks to B’s Janus')
      assert.notEqual(bobStats.selectedRemoteAddress, MEDIA_ADDRESS, 'not to A’s')
      const legs = bridges.bridges().get(feedId)?.legs()
      assert.ok(legs)
      for (const leg of [legs.subscriber, legs.publisher])
        assert.deepEqual(leg, { connection: 'connected', dtls: 'connected', srtp: true })

      // Carol on B wants Alice too: no second copy crosses from A.
      bridges.want(feedId, 'carol')
      await watch(carolPage, 'carol')
      assert.equal(bridges.starts(feedId), 1)
      const onA = [...fixture.engine.routers.values()].flatMap((r) =>
        [...r.transports.values()].filter((tr) => tr.participantId.startsWith(`bridge:${b.origin}:`)),
      )
      assert.equal(onA.length, 1, 'one bridge subscription on A’s Janus for B')
      t.diagnostic(`alice's feed ${feedId} → copy ${copy} on B's Janus`)
    } finally {
      bridges.close()
      socket.close()
      await alicePage.close()
    }
  })(t))

test('The reverse bridge: Ben publishes to B’s Janus; a bridge republishes his feed into A’s call as his (call.publish over the channel); Ann’s browser on A decodes him (needs Janus, Chromium, netns)', (t) =>
  fixture.withLogs(async () => {
    const { logger } = bufferedLogger()
    const [ann, ben] = await Promise.all([person(a, 'ann'), person(b, 'ben')])
    const roomId = String(
      (await ann.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'Reverse' } })).json.id,
    )
    const roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, ann.api, roomId, b, ben.api, 'ben')
    const annPage = await fixture.chromium.context.newPage()
    await annPage.goto(fixture.pages.page('sdk.html'))
    await annPage.waitForFunction(() => 'app' in globalThis)
    const pa = sdkPage(annPage, a.origin, ann)
    const benPage = await fixture.openPage()
    const { socket, frames } = await channelFromB()
    const routerB = await janusB.newRouter('reverse-on-b')
    let bridge: FeedBridge | undefined
    try {
      const started = await pa.start({ roomId, media: { audio: true, video: true, screen: false } })
      assert.ok(started.ok, JSON.stringify(started))
      // Ben publishes on B's own Janus.
      const send = await routerB.createSendTransport({ participantId: 'ben' })
      assert.ok(send.ok)
      const produced = await send.value.produce({ source: 'camera', offerSdp: await benPage.publish('camera') })
      assert.ok(produced.ok, JSON.stringify(!produced.ok && produced.error))
      await benPage.setAnswer('camera', produced.value.answerSdp)
      const benFeed = produced.value.producer.id
      await waitFor('ben publishing on B', async () => (routerB.producers.get(benFeed)?.isLive ? true : undefined))
      // Ben is in A's call through B (his session there is B's), as B's front door puts him.
      const actor = { id: `${b.origin}/users/ben`, name: 'ben' }
      socket.send(
        JSON.stringify({
          type: 'cascade.call',
          room: roomUri,
          session: 'ben-1',
          actor,
          message: { type: 'call.join', roomId: roomUri, media: { audio: true, video: true, screen: false } },
        }),
      )
      const joined = await waitFor('ben in the call on A', async () => {
        const f = frames.find((x) => x.type === 'cascade.to-session' && x.frame.type === 'call.joined')
        return f?.type === 'cascade.to-session' ? (f.frame as ServerCallJoined) : undefined
      })
      const target = new RemoteFeedTarget({
        room: roomUri,
        session: 'ben-1',
        actor,
        send: (f) => socket.send(JSON.stringify(f)),
      })
      socket.on('message', (data) => target.receive(JSON.parse(String(data)) as HostCascadeFrame))
      const bridged = await FeedBridge.start({
        origin: routerOrigin(routerB),
        target,
        producerId: benFeed,
        participantId: 'ben-camera',
        hostAddresses: [B_ADDRESS],
        iceServers: [],
        logger,
      })
      assert.ok(bridged.ok, JSON.stringify(!bridged.ok && bridged.error))
      bridge = bridged.value
      const legs = bridge.legs()
      for (const leg of [legs.subscriber, legs.publisher])
        assert.deepEqual(leg, { connection: 'connected', dtls: 'connected', srtp: true })
      const stats = await waitFor(
        'ann decoding ben’s video and receiving his audio',
        async () => {
          const s = await pa.stats()
          return s.videoStreamsDecoding >= 1 && s.audioStreamsReceiving >= 1 ? s : undefined
        },
        30_000,
      )
      assert.deepEqual(stats.errors, [])
      const feeds = await pa.feeds()
      assert.ok(
        feeds.some((f) => f.feedId === bridge?.producer.id && f.participantId === joined.participantId),
        'ann sees the feed as ben’s',
      )
      t.diagnostic(`ben's feed ${benFeed} on B → ${bridge.producer.id} in A's call`)
    } finally {
      bridge?.close()
      await bridge?.released
      socket.close()
      await annPage.close()
    }
  })(t))
