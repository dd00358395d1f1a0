/**
 * A Janus call end to end: four Chromium pages run @parley/client's CallClient against a real
 * Parley whose call service runs on a supervised Janus; Parley mediates every SDP (the pages never
 * talk to Janus). Each page decodes the three others and receives their audio; a screen share is
 * received; camera off stops frames at everyone; a moderator mutes and removes someone; a recording
 * is listed in the room and plays back as webm. Needs Janus, janus-tools, Chromium and the private
 * network namespace (npm run test:media).
 */
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { ParleyRealtimeError, RealtimeClient } from '@parley/client'
import { tempDir, waitFor, waitForStill } from './harness.ts'
import { startJanusFixture, type JanusFixture } from './janus-fixture.ts'
import { MEDIA_INTERFACE } from './netns.ts'
import { startCallInstance, type CallInstance, type SdkPage } from './sdk-fixture.ts'

let fixture: JanusFixture
let parley: CallInstance
let recordings: Awaited<ReturnType<typeof tempDir>>

before(async () => {
  recordings = await tempDir('parley-call-recordings-')
  fixture = await startJanusFixture({
    rtpPortRange: '21000-21199',
    settings: { recordingsDir: recordings.path, audioLevelAverage: 100, audioActivePackets: 25 },
  })
  const iceServers = () => ({ iceServers: [], expiresAt: null })
  parley = await startCallInstance(fixture.chromium, fixture.pages, {
    env: { PARLEY_MEDIA_ENGINE: 'janus', PARLEY_JANUS_ICE_INTERFACES: MEDIA_INTERFACE },
    media: { engine: fixture.engine, iceServers },
  })
})
after(async () => {
  await parley?.close()
  await fixture?.close()
  await recordings?.remove()
})

const AV = { audio: true, video: true, screen: false }
const withLogs = (body: (t: TestContext) => Promise<void>) => (t: TestContext) =>
  fixture.withLogs(async (context) => {
    try {
      await body(context)
    } finally {
      await parley.closePages()
    }
  })(t)

const feedOf = async (page: SdkPage, actorId: string, source = 'camera') => {
  const people = await page.participants()
  const participantId = people.find((p) => p.actor.id === actorId)?.participantId
  return (await page.feeds()).find((f) => f.participantId === participantId && f.source === source)?.feedId ?? ''
}

test(
  'CallClient on Janus: four people each decode the three others; screen share, camera off, moderator mute and removal (needs Janus, Chromium, netns)',
  withLogs(async (t) => {
    const people = await Promise.all(['ann', 'ben', 'cas', 'dia'].map((n) => parley.person(n)))
    const [ann, ben, cas, dia] = people
    assert.ok(ann && ben && cas && dia)
    const room = await ann.rest.createRoom({ kind: 'group', name: 'SFU' })
    for (const p of [ben, cas, dia]) await ann.rest.addParticipant(room.id, p.id)
    const pages = await Promise.all(people.map((p) => parley.open(p)))
    const [a, b, c, d] = pages
    assert.ok(a && b && c && d)
    for (const page of pages) {
      const started = await page.start({ roomId: room.id, media: AV })
      assert.ok(started.ok, JSON.stringify(started))
      assert.equal(started.engine, 'sfu')
    }
    const everyone = await waitFor(
      'every page decoding three videos and receiving three audio streams',
      async () => {
        const stats = await Promise.all(pages.map((p) => p.stats()))
        return stats.every((s) => s.videoStreamsDecoding === 3 && s.audioStreamsReceiving === 3) ? stats : undefined
      },
      25_000,
    )
    // Progress is waited for, not a fixed second: on a loaded machine a second may hold few frames.
    const later = await waitFor(
      'every page decoding and receiving audio further',
      async () => {
        const stats = await Promise.all(pages.map((p) => p.stats()))
        return stats.every(
          (s, i) =>
            s.framesDecoded > (everyone[i]?.framesDecoded ?? 0) + 10 &&
            s.audioPacketsReceived > (everyone[i]?.audioPacketsReceived ?? 0) + 20,
        )
          ? stats
          : undefined
      },
      20_000,
    )
    for (const [i, s] of later.entries()) {
      assert.ok(s.framesDecoded > (everyone[i]?.framesDecoded ?? 0) + 10, `page ${i} keeps decoding`)
      assert.ok(
        s.audioPacketsReceived > (everyone[i]?.audioPacketsReceived ?? 0) + 20,
        `page ${i} keeps receiving audio`,
      )
      assert.deepEqual(s.errors, [])
    }

    // Janus hears the fake microphone: someone is seen speaking.
    await waitFor(
      'a speaking indicator from Janus',
      async () =>
        (await a.frames<{ participant: { speaking: boolean } }>('call.participant')).some(
          (f) => f.participant.speaking,
        ),
      10_000,
    )

    // ben shares his screen: the others receive a fourth video.
    await b.shareScreen()
    await waitFor("ann decoding ben's screen", async () => (await a.stats()).videoStreamsDecoding === 4, 15_000)
    const screenFeed = await feedOf(a, ben.id, 'screen')
    assert.ok(screenFeed)
    t.diagnostic('screen share received')

    // cas turns the camera off: Janus stops forwarding it, no frame of cas reaches ann.
    const casFeed = await feedOf(a, cas.id)
    await c.update({ media: { video: false } })
    // cas's frames stop while ben's go on: no frame of cas across consecutive polls that see 10 more of ben's.
    const benFeed = await feedOf(a, ben.id)
    const { from: off, to: stillOff } = await waitForStill('no frames of cas while the camera is off', async () => {
      const frames = await a.framesByFeed()
      return { still: frames[casFeed] ?? 0, moving: frames[benFeed] ?? 0 }
    })
    assert.equal(stillOff.still, off.still, 'no frames of cas while the camera is off')
    assert.ok(stillOff.moving >= off.moving + 10, "ben's frames keep coming")
    await c.update({ media: { video: true } })
    await waitFor("cas's frames again", async () => ((await a.framesByFeed())[casFeed] ?? 0) > stillOff.still + 5)

    // The moderator mutes dia: everyone sees it; a member cannot.
    const diaId = (await a.participants()).find((p) => p.actor.id === dia.id)?.participantId ?? ''
    assert.deepEqual(await b.request('moderate', 'mute', diaId), { ok: false, code: 'role-too-low' })
    assert.deepEqual(await a.request('moderate', 'mute', diaId), { ok: true })
    await waitFor(
      'ben sees dia muted',
      async () => (await b.participants()).find((p) => p.participantId === diaId)?.media.audio === false,
    )

    // ...and removes dia: her feed goes away for the others.
    assert.deepEqual(await a.request('moderate', 'remove', diaId), { ok: true })
    await waitFor(
      'ben sees dia gone and her feed removed',
      async () =>
        !(await b.participants()).some((p) => p.participantId === diaId) &&
        !(await b.feeds()).some((f) => f.participantId === diaId),
    )
    assert.deepEqual(await d.request('update', { handRaised: true }), { ok: false, code: 'not-in-call' })
  }),
)

test(
  'CallClient on Janus: a moderator records; everyone sees it; the recording is listed in the room and plays back as webm (needs Janus, janus-tools, Chromium, netns)',
  withLogs(async () => {
    const [mod, member] = await Promise.all(['mo', 'me'].map((n) => parley.person(n)))
    assert.ok(mod && member)
    const room = await mod.rest.createRoom({ kind: 'group', name: 'Recorded' })
    await mod.rest.addParticipant(room.id, member.id)
    const [m, p] = await Promise.all([parley.open(mod), parley.open(member)])
    assert.ok(m && p)
    const joinedModerator = await m.start({ roomId: room.id, media: AV })
    assert.ok(joinedModerator.ok)
    await waitFor("the moderator's camera flowing to Janus", async () => (await m.sent()).framesSent > 10, 15_000)
    assert.deepEqual(await m.request('record', true), { ok: true })
    // The moderator's camera was flowing before recording started (Janus asks it for a keyframe so
    // the file starts with one); the member joins while recording (recorded from its first frame).
    const joinedMember = await p.start({ roomId: room.id, media: AV })
    assert.ok(joinedMember.ok)
    assert.deepEqual(await p.request('record', false), { ok: false, code: 'role-too-low' })
    await waitFor(
      'the member sees the recording',
      async () =>
        (await p.frames<{ recording: boolean }>('call.recording')).some((f) => f.recording) ||
        (await p.frames<{ recording: boolean }>('call.joined')).some((f) => f.recording),
    )
    const decoding = await waitFor(
      'both decoding',
      async () => {
        const stats = await Promise.all([m.stats(), p.stats()])
        return stats.every((s) => s.videoStreamsDecoding === 1) ? stats : undefined
      },
      15_000,
    )
    // Recorded for a while: each page decodes 45 more frames of the other (1.5 s of the 30 fps camera).
    await waitFor(
      'both decoding 45 more frames while recording',
      async () =>
        (await Promise.all([m.stats(), p.stats()])).every(
          (s, i) => s.framesDecoded >= (decoding[i]?.framesDecoded ?? 0) + 45,
        ),
      20_000,
    )
    // The member leaves while recording: their part is stopped and converted as they go.
    assert.deepEqual(await p.request('leave'), { ok: true })
    assert.deepEqual(await m.request('record', false), { ok: true })
    await waitFor('the moderator sees the recording stop', async () =>
      (await m.frames<{ recording: boolean }>('call.recording')).some((f) => !f.recording),
    )
    const list = await member.rest.recordings(room.id)
    assert.deepEqual(
      list.recordings.map((r) => r.kind).sort(),
      ['audio', 'audio', 'video', 'video'],
      'audio and video of both participants',
    )
    for (const [participantId, person] of [
      [joinedModerator.participantId, mod],
      [joinedMember.participantId, member],
    ] as const) {
      const video = list.recordings.find((r) => r.kind === 'video' && r.participantId === participantId)
      assert.ok(video, JSON.stringify(list))
      assert.equal(video.mimeType, 'video/webm')
      // Named as in the call, the member too, who had left before the recording stopped.
      assert.equal(video.actor?.type, 'user')
      assert.equal(video.actor?.id, person.id)
      const response = await fetch(`${parley.base}/api/v1/rooms/${room.id}/recordings/${video.id}`, {
        headers: { authorization: `Bearer ${member.token}` },
      })
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('content-type'), 'video/webm')
      const played = await p.playRecording(Buffer.from(await response.arrayBuffer()).toString('base64'), 'video/webm')
      assert.ok(played.videoWidth >= 320, `a real picture (${played.videoWidth} px wide)`)
      assert.ok(played.framesDecoded > 5, `the webm decodes (${played.framesDecoded} frames)`)
    }
    const stranger = await parley.person('stranger')
    const refused = await fetch(`${parley.base}/api/v1/rooms/${room.id}/recordings`, {
      headers: { authorization: `Bearer ${stranger.token}` },
    })
    assert.equal(refused.status, 404)
    // The moderator deletes one: it is no longer listed (the file goes too; tested in the route tests).
    const first = list.recordings[0]
    assert.ok(first)
    await mod.rest.deleteRecording(room.id, first.id)
    assert.deepEqual(
      (await member.rest.recordings(room.id)).recordings.map((r) => r.id),
      list.recordings.slice(1).map((r) => r.id),
    )
  }),
)

const PCMU_ONLY = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=fingerprint:sha-256 10:7C:A9:FD:1A:3A:AA:39:53:C4:07:6E:F3:4F:D7:3C:DE:25:92:F8:85:6C:B7:A6:CF:1F:71:77:87:E1:4D:67',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'm=audio 9 UDP/TLS/RTP/SAVPF 0',
  'c=IN IP4 0.0.0.0',
  'a=rtpmap:0 PCMU/8000',
  'a=sendonly',
  'a=mid:0',
  'a=setup:actpass',
  'a=rtcp-mux',
  '',
].join('\r\n')

test(
  'Janus call bad input through the gateway: unparsable SDP, no usable codec, unknown feeds, mesh signals, publishing without permission — clear errors, the call unaffected (needs Janus, Chromium, netns)',
  withLogs(async () => {
    const [host, odd] = await Promise.all(['host', 'odd'].map((n) => parley.person(n)))
    assert.ok(host && odd)
    const room = await host.rest.createRoom({ kind: 'group', name: 'Bad input' })
    await host.rest.addParticipant(room.id, odd.id)
    const h = await parley.open(host)
    assert.ok((await h.start({ roomId: room.id, media: AV })).ok)
    const rt = new RealtimeClient({ baseUrl: parley.base, auth: { token: odd.token }, reconnect: false })
    try {
      await rt.connect()
      const code = async (message: Parameters<RealtimeClient['request']>[0]) => {
        const error = await rt.request(message).then(
          () => undefined,
          (e: unknown) => e,
        )
        assert.ok(error instanceof ParleyRealtimeError, `${message.type} was refused`)
        return error.code
      }
      assert.equal(
        await code({ type: 'call.publish', roomId: room.id, source: 'camera', sdp: PCMU_ONLY }),
        'not-in-call',
      )
      const joined = await rt.request({
        type: 'call.join',
        roomId: room.id,
        media: { audio: true, video: false, screen: false },
      })
      assert.equal(joined.type === 'call.joined' && joined.engine, 'sfu')
      assert.equal(await code({ type: 'call.publish', roomId: room.id, source: 'camera', sdp: 'hello' }), 'invalid-sdp')
      assert.equal(
        await code({ type: 'call.publish', roomId: room.id, source: 'camera', sdp: PCMU_ONLY }),
        'no-usable-codec',
      )
      assert.equal(
        await code({ type: 'call.subscribe', roomId: room.id, feedIds: ['no-such-feed'] }),
        'media-not-found',
      )
      assert.equal(await code({ type: 'call.subscribe-answer', roomId: room.id, sdp: PCMU_ONLY }), 'media-not-found')
      assert.equal(
        await code({ type: 'call.layers', roomId: room.id, feedId: 'no-such-feed', spatialLayer: 0 }),
        'media-not-found',
      )
      assert.equal(
        await code({ type: 'call.signal', roomId: room.id, to: 'anyone', signal: { type: 'offer', sdp: PCMU_ONLY } }),
        'engine-mismatch',
      )
      await host.rest.updateParticipant(room.id, odd.id, { permissions: ['chat'] })
      assert.equal(
        await code({ type: 'call.publish', roomId: room.id, source: 'screen', sdp: PCMU_ONLY }),
        'permission-denied',
      )
      // The host's call went on: still one feed (the host's), still joined.
      assert.deepEqual(
        (await h.feeds()).map((f) => f.source),
        ['camera'],
      )
      assert.equal((await h.participants()).length, 2)
    } finally {
      rt.close()
    }
  }),
)

test(
  'CallClient on Janus: a viewer picks simulcast layers of a camera through the gateway; the publisher switches cameras without renegotiating (needs Janus, Chromium, netns)',
  withLogs(async () => {
    const [pub, viewer] = await Promise.all(['pub', 'viewer'].map((n) => parley.person(n)))
    assert.ok(pub && viewer)
    const room = await pub.rest.createRoom({ kind: 'group', name: 'Simulcast' })
    await pub.rest.addParticipant(room.id, viewer.id)
    const p = await parley.open(pub)
    assert.ok((await p.start({ roomId: room.id, media: AV, simulcast: true })).ok)
    const v = await parley.open(viewer)
    assert.ok((await v.start({ roomId: room.id, media: { audio: false, video: false, screen: false } })).ok)
    const feedId = await feedOf(v, pub.id)
    assert.ok(feedId)
    const widthIs = (width: number) =>
      waitFor(
        `frames ${width} px wide`,
        async () => ((await v.stats()).frameWidths[0] === width ? true : undefined),
        15_000,
        100,
      )
    // Layers of a 1280×720 camera: 320, 640 and 1280 pixels wide; each switch waits for a keyframe.
    for (const [layer, width] of [
      [0, 320],
      [1, 640],
      [0, 320],
    ] as const) {
      assert.deepEqual(await v.request('setLayers', feedId, layer), { ok: true })
      await widthIs(width)
    }
    assert.deepEqual(await v.request('setLayers', 'no-such-feed', 0), { ok: false, code: 'media-not-found' })

    // Another camera: RTCRtpSender.replaceTrack on the same connection; the viewer keeps decoding.
    const before = (await v.framesByFeed())[feedId] ?? 0
    await p.switchCamera(1280, 720)
    await waitFor('frames after the switch', async () => ((await v.framesByFeed())[feedId] ?? 0) > before + 20, 10_000)
  }),
)
