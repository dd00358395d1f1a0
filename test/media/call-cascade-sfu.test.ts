/**
 * A call across two instances where only the room's host runs Janus: the room is hosted on A
 * (janus engine), Alice's page talks to A, Bob's page to B (mesh engine, no Janus). Bob's browser
 * publishes to and subscribes from A's Janus, his SDP relayed through B and the signed call channel;
 * both decode each other. Needs Janus, Chromium and the private network namespace (npm run test:media).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { waitFor } from './harness.ts'
import { startJanusFixture, type JanusFixture } from './janus-fixture.ts'
import { MEDIA_ADDRESS, MEDIA_INTERFACE } from './netns.ts'
import { sdkPage, type Person } from './sdk-fixture.ts'
import { startInstance, type TestInstance } from '../harness/instance.ts'
import { inviteAndJoin } from '../harness/rooms.ts'
import { person } from './cascade-people.ts'

let fixture: JanusFixture
let a: TestInstance
let b: TestInstance

before(async () => {
  // The instances serve HTTPS with the harness's throwaway CA.
  fixture = await startJanusFixture({ rtpPortRange: '21400-21599', chromiumArgs: ['--ignore-certificate-errors'] })
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
  await fixture?.close()
})

const AV = { audio: true, video: true, screen: false }

test('Host-only SFU across instances: Bob on B publishes to and subscribes from A’s Janus through B; both decode each other (needs Janus, Chromium, netns)', (t) =>
  fixture.withLogs(async () => {
    const [alice, bob] = await Promise.all([person(a, 'alice'), person(b, 'bob')])
    const roomId = String(
      (await alice.api('/api/v1/rooms', { method: 'POST', body: { kind: 'group', name: 'SFU across' } })).json.id,
    )
    const roomUri = `${a.origin}/rooms/${roomId}`
    await inviteAndJoin(a, alice.api, roomId, b, bob.api, 'bob')
    const open = async (instance: TestInstance, p: Person) => {
      const page = await fixture.chromium.context.newPage()
      await page.goto(fixture.pages.page('sdk.html'))
      await page.waitForFunction(() => 'app' in globalThis)
      return sdkPage(page, instance.origin, p)
    }
    const pa = await open(a, alice)
    const pb = await open(b, bob)
    try {
      for (const [page, room] of [
        [pa, roomId],
        [pb, roomUri],
      ] as const) {
        const started = await page.start({ roomId: room, media: AV })
        assert.ok(started.ok, JSON.stringify(started))
        assert.equal(started.engine, 'sfu')
      }
      const stats = await waitFor(
        'both pages decoding the other’s video and receiving the other’s audio',
        async () => {
          const s = await Promise.all([pa.stats(), pb.stats()])
          return s.every((x) => x.videoStreamsDecoding === 1 && x.audioStreamsReceiving === 1) ? s : undefined
        },
        30_000,
      )
      for (const s of stats) assert.deepEqual(s.errors, [])
      // Bob's feed is on A's Janus, published through B: Alice sees it as one of the call's feeds.
      const feeds = await pa.feeds()
      const bobId = (await pa.participants()).find((p) => p.actor.id === `${b.origin}/users/bob`)?.participantId
      assert.ok(feeds.some((f) => f.participantId === bobId && f.source === 'camera'))
      t.diagnostic(
        `janus at ${MEDIA_ADDRESS}; bob's candidate types: ${stats[1]?.selectedLocalCandidateTypes.join(',')}`,
      )
    } finally {
      await pa.page.close()
      await pb.page.close()
    }
  })(t))
