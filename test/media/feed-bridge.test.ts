/**
 * The cascade's media bridge on its own (DESIGN.md §2.7): two Janus servers, A's on 127.0.0.2 and
 * B's on 127.0.0.3 (both in the test namespace; the test puts 127.0.0.3 on the veth pair's other
 * end). Alice's Chromium page publishes to A's Janus; a FeedBridge on "B" subscribes to her feed
 * there and republishes it into B's Janus without decoding; Bob's page subscribes on B's Janus only
 * and decodes her video and receives her audio. Both bridge legs are DTLS-SRTP. When the bridge dies
 * a new one carries the feed again. Needs Janus, Chromium and the namespace (npm run test:media).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { FeedBridge, FeedBridges, routerOrigin, routerTarget } from '@parley/server/media'
import { bufferedLogger, waitFor } from './harness.ts'
import { startJanusFixture, type JanusFixture } from './janus-fixture.ts'
import { MEDIA_ADDRESS } from './netns.ts'
import { B_ADDRESS, startSecondJanus, type SecondJanus } from './second-janus.ts'

let fixture: JanusFixture
let janusB: SecondJanus

before(async () => {
  fixture = await startJanusFixture({ rtpPortRange: '21600-21699' })
  janusB = await startSecondJanus('21700-21799')
})
after(async () => {
  await janusB?.close()
  await fixture?.close()
})

const routerB = (callId: string) => janusB.newRouter(callId)

test('FeedBridge carries a feed from A’s Janus into B’s over DTLS-SRTP; Bob on B decodes Alice on A and talks only to B’s Janus; a dead bridge is replaced (needs Janus, Chromium, netns)', (t) =>
  fixture.withLogs(async () => {
    const { logger, dump } = bufferedLogger()
    const a = await fixture.newRouter('bridge-a')
    const b = await routerB('bridge-b')
    const [alice, bob] = await Promise.all([fixture.openPage(), fixture.openPage()])
    const send = await a.createSendTransport({ participantId: 'alice' })
    assert.ok(send.ok)
    const produced = await send.value.produce({ source: 'camera', offerSdp: await alice.publish('camera') })
    assert.ok(produced.ok, JSON.stringify(!produced.ok && produced.error))
    await alice.setAnswer('camera', produced.value.answerSdp)
    const feedId = produced.value.producer.id
    await waitFor('alice publishing', async () => (a.producers.get(feedId)?.isLive ? true : undefined))

    const bridgeOptions = {
      origin: routerOrigin(a),
      target: routerTarget(b),
      producerId: feedId,
      hostAddresses: [B_ADDRESS],
      iceServers: [],
      logger,
    }
    const startedAt = performance.now()
    const bridged = await FeedBridge.start({ ...bridgeOptions, participantId: 'bridge-1' })
    assert.ok(bridged.ok, `${JSON.stringify(!bridged.ok && bridged.error)}\n${dump()}`)
    const bridge = bridged.value
    assert.deepEqual(
      [...(b.producers.get(bridge.producer.id)?.kinds ?? [])].sort(),
      ['audio', 'video'],
      'the feed is a publisher on B’s Janus',
    )
    const legs = bridge.legs()
    for (const leg of [legs.subscriber, legs.publisher]) {
      assert.equal(leg.connection, 'connected')
      assert.equal(leg.dtls, 'connected')
      assert.equal(leg.srtp, true, 'SRTP keys derived from the DTLS handshake')
    }

    const watch = async (producerId: string, what: string) => {
      const recv = await b.createRecvTransport({ participantId: `bob-${producerId}` })
      assert.ok(recv.ok)
      const consumed = await recv.value.consume({ producerIds: [producerId] })
      assert.ok(consumed.ok, JSON.stringify(!consumed.ok && consumed.error))
      const answer = await bob.subscribe('feeds', consumed.value.offerSdp)
      assert.ok((await recv.value.setRemoteAnswer(answer)).ok)
      return waitFor(
        what,
        async () => {
          const s = await bob.stats('feeds')
          return s.framesDecoded > 5 && s.audioPacketsReceived > 20 ? s : undefined
        },
        20_000,
      )
    }
    const stats = await watch(bridge.producer.id, 'bob decoding alice’s video through the bridge')
    const firstFrameMs = Math.round(performance.now() - startedAt)
    assert.equal(stats.selectedRemoteAddress, B_ADDRESS, 'bob’s page talks to B’s Janus only')
    assert.notEqual(stats.selectedRemoteAddress, MEDIA_ADDRESS)
    assert.ok(bridge.forwarded.video > 0 && bridge.forwarded.audio > 0)

    // The bridge dies (its subscribing leg is gone): its feed on B closes; a new bridge carries it again.
    const gone = new Promise<string>((resolve) => bridge.observer.once('close', resolve))
    bridge.close('killed by the test')
    assert.equal(await gone, 'killed by the test')
    await waitFor('the bridged feed gone from B', async () => (b.producers.has(bridge.producer.id) ? undefined : true))
    const again = await FeedBridge.start({ ...bridgeOptions, participantId: 'bridge-2' })
    assert.ok(again.ok, `${JSON.stringify(!again.ok && again.error)}\n${dump()}`)
    await bob.close('feeds')
    await watch(again.value.producer.id, 'bob decoding alice’s video through the new bridge')
    again.value.close()
    await Promise.all([bridge.released, again.value.released])
    t.diagnostic(`bridge start → first decoded frame on B: ${firstFrameMs} ms`)
  })(t))

test('FeedBridges: one copy of a feed however many on B want it; a bridge that dies is restarted and its new copy decodes (needs Janus, Chromium, netns)', (t) =>
  fixture.withLogs(async () => {
    const { logger } = bufferedLogger()
    const a = await fixture.newRouter('bridges-a')
    const b = await routerB('bridges-b')
    const [alice, bob, carol] = await Promise.all([fixture.openPage(), fixture.openPage(), fixture.openPage()])
    const send = await a.createSendTransport({ participantId: 'alice' })
    assert.ok(send.ok)
    const produced = await send.value.produce({ source: 'camera', offerSdp: await alice.publish('camera') })
    assert.ok(produced.ok, JSON.stringify(!produced.ok && produced.error))
    await alice.setAnswer('camera', produced.value.answerSdp)
    const feedId = produced.value.producer.id
    const bridges = new FeedBridges({
      origin: routerOrigin(a),
      target: routerTarget(b),
      hostAddresses: [B_ADDRESS],
      iceServers: () => [],
      logger,
    })
    const copies: string[] = []
    bridges.observer.on('bridged', (id, copy) => id === feedId && copies.push(copy.id))
    try {
      const watch = async (page: typeof bob, who: string, copyId: string) => {
        const recv = await b.createRecvTransport({ participantId: `${who}-${copyId}` })
        assert.ok(recv.ok)
        const consumed = await recv.value.consume({ producerIds: [copyId] })
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
      bridges.want(feedId, 'bob')
      const first = await waitFor('the first copy', async () => copies[0])
      await watch(bob, 'bob', first)
      // Carol wants the same feed: no second copy crosses.
      bridges.want(feedId, 'carol')
      await watch(carol, 'carol', first)
      assert.equal(bridges.bridges().size, 1)
      assert.equal(bridges.starts(feedId), 1, 'one bridge for bob and carol')
      const bridgeSubscribers = [...a.transports.values()].filter(
        (tr) => tr.direction === 'recv' && tr.participantId.startsWith('bridge-'),
      )
      assert.equal(bridgeSubscribers.length, 1, 'one subscription on A for B')

      // The bridge dies: it is started again and its new copy carries alice to bob.
      bridges.bridges().get(feedId)?.close('killed by the test')
      const second = await waitFor('the copy of the restarted bridge', async () => copies[1], 15_000)
      assert.notEqual(second, first)
      assert.equal(bridges.starts(feedId), 2)
      await bob.close('feeds')
      await watch(bob, 'bob', second)
      // Nobody wants it any more: the bridge closes.
      bridges.release(feedId, 'bob')
      assert.equal(bridges.bridges().size, 1, 'carol still wants it')
      const released = bridges.bridges().get(feedId)?.released
      bridges.release(feedId, 'carol')
      assert.equal(bridges.bridges().size, 0)
      await released
      t.diagnostic(`copies of alice's feed on B over the test: ${copies.length} (one restart)`)
    } finally {
      bridges.close()
    }
  })(t))
