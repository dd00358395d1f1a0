// The SDK test page: @parley/client's RealtimeClient and CallClient, bundled by esbuild (sdk.js),
// talking to a real Parley through its realtime gateway, as the web client will. The test drives
// it through window.app and reads getStats counters of every connection the call client holds.
import { CallClient, RealtimeClient } from './sdk.js'
import { picture, tone } from './media-checks.js'

const state = { rt: null, call: null, frames: [], errors: [], tracks: 0, remote: [], local: null, screen: null }
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
/** Mesh: the participant at the other end of the connection a receiver belongs to. */
const ownerOf = (receiver) => {
  for (const [remote, pc] of state.call?.peers ?? []) if (pc.getReceivers().includes(receiver)) return remote
  return null
}

function attach(track) {
  const element = document.createElement(track.kind === 'video' ? 'video' : 'audio')
  element.autoplay = true
  element.muted = true
  element.playsInline = true
  element.srcObject = new MediaStream([track])
  document.getElementById('media').append(element)
}

/**
 * Resolves once the element has played `seconds` of media, or reached its end, or after
 * `timeoutMs` (a file that does not play: what the caller then reports shows it).
 */
function playedFor(element, seconds, timeoutMs = 10000) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      element.removeEventListener('timeupdate', check)
      element.removeEventListener('ended', done)
      resolve()
    }
    const check = () => {
      if (element.currentTime >= seconds) done()
    }
    const timer = setTimeout(done, timeoutMs)
    element.addEventListener('timeupdate', check)
    element.addEventListener('ended', done)
    check()
  })
}

function connections() {
  const call = state.call
  if (!call) return []
  return [...call.peers.values(), ...(call.subscriber ? [call.subscriber] : [])]
}

window.app = {
  /** Connects, publishes the fake camera and microphone (per media flags), joins; times each step. */
  async start({ baseUrl, token, roomId, media, simulcast = false, iceServers, iceTransportPolicy, e2ee }) {
    const t0 = performance.now()
    const rt = new RealtimeClient({ baseUrl, auth: { token }, reconnect: false })
    rt.on('call', (frame) => state.frames.push(frame))
    rt.on('error', (frame) => state.frames.push(frame))
    await rt.connect()
    const welcomedMs = performance.now() - t0
    const call = new CallClient({
      realtime: rt,
      roomId,
      ...(iceServers ? { iceServers } : {}),
      ...(iceTransportPolicy ? { iceTransportPolicy } : {}),
      ...(e2ee ? { e2ee } : {}),
    })
    call.on('track', ({ track, participantId, feedId, stream }) => {
      state.tracks += 1
      state.remote.push({ track, participantId, feedId, streamId: stream?.id ?? null })
      attach(track)
    })
    call.on('error', (error) => state.errors.push(String(error?.message ?? error)))
    state.rt = rt
    state.call = call
    if (media.audio || media.video) {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: media.audio,
        video: media.video ? (simulcast ? { width: 1280, height: 720 } : { width: 320, height: 240 }) : false,
      })
      state.local = stream
      await call.publish('camera', stream, { simulcast })
    }
    try {
      const joined = await call.join(media)
      // join() resolves once this client's own publications and subscriptions are answered: signalling done.
      return {
        ok: true,
        participantId: joined.participantId,
        engine: joined.engine,
        welcomedMs,
        joinedMs: performance.now() - t0,
        startedAt: t0,
        e2ee: call.e2ee,
      }
    } catch (error) {
      state.lastError = String(error?.message ?? error)
      return { ok: false, code: error.code ?? String(error) }
    }
  },

  /** The message of the last refused start(), as an app would show it. */
  lastError() {
    return state.lastError ?? null
  },

  /** End-to-end encryption as the SDK reports it (whether, with whom, the verification code). */
  e2ee() {
    return state.call?.e2ee ?? null
  },

  /** The keys this page holds (hex), as a participant who leaves would keep them. */
  keyMaterial() {
    const keys = state.call?.e2eeKeyMaterial()
    if (!keys) return null
    return {
      sending: { kid: keys.sending.kid, key: hex(keys.sending.key) },
      received: keys.received.map((k) => ({ participantId: k.participantId, kid: k.kid, key: hex(k.key) })),
    }
  },

  e2eeStats() {
    return state.call?.e2eeStats() ?? null
  },

  /** The picture this page's camera sends, as the others should see it. */
  localPicture() {
    const track = state.local?.getVideoTracks()[0]
    return track ? picture(track) : null
  },

  /** The picture this page's shared screen sends (after shareScreen()). */
  localScreenPicture() {
    const track = state.screen?.getVideoTracks()[0]
    return track ? picture(track) : null
  },

  /** The id of the stream this page shares its screen in (mesh carries it to the others). */
  localScreenStreamId() {
    return state.screen?.id ?? null
  },

  /** The picture of every remote video track that is live, by participant (and feed or stream). */
  async remotePictures() {
    const live = state.remote.filter((r) => r.track.kind === 'video' && r.track.readyState === 'live')
    return Promise.all(
      live.map(async (r) => ({
        participantId: r.participantId,
        feedId: r.feedId,
        streamId: r.streamId,
        picture: await picture(r.track),
      })),
    )
  },

  /** The strongest frequency of every remote audio track that is live, by participant. */
  async remoteTones() {
    const live = state.remote.filter((r) => r.track.kind === 'audio' && r.track.readyState === 'live')
    const tones = []
    for (const r of live) tones.push({ participantId: r.participantId, tone: await tone(r.track) })
    return tones
  },

  /** Raw frames tapped before decryption (sdk-streams.html only), with the participant whose connection they came on. */
  tapStart() {
    window.tap.frames = []
    window.tap.on = true
  },
  /** How many frames tapped so far came from this participant. */
  tapCount(participantId) {
    return window.tap.frames.filter((f) => ownerOf(f.receiver) === participantId).length
  },
  tapTake() {
    window.tap.on = false
    return window.tap.frames.map((f) => ({
      participantId: ownerOf(f.receiver),
      streamId: state.remote.find((r) => r.track === f.receiver.track)?.streamId ?? null,
      kind: f.kind,
      keyframe: f.type === 'key',
      data: hex(f.data),
    }))
  },

  /** Counters over every receiving connection: decoded video frames, audio packets, states. */
  async stats() {
    const result = {
      framesDecoded: 0,
      videoStreamsDecoding: 0,
      audioStreamsReceiving: 0,
      audioPacketsReceived: 0,
      frameWidths: [],
      states: [],
      selectedLocalCandidateTypes: [],
      tracks: state.tracks,
      errors: state.errors,
      /** ICE gathering of every connection, publishers included: 'complete' means no candidate will come. */
      gathering: [...(state.call?.publishers.values() ?? []), ...connections()].map((pc) => pc.iceGatheringState),
    }
    for (const pc of connections()) {
      result.states.push(pc.connectionState)
      const report = await pc.getStats()
      let pair
      report.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') {
          result.framesDecoded += s.framesDecoded ?? 0
          if ((s.framesDecoded ?? 0) > 0) {
            result.videoStreamsDecoding += 1
            result.frameWidths.push(s.frameWidth ?? 0)
          }
        }
        if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          result.audioPacketsReceived += s.packetsReceived ?? 0
          if ((s.packetsReceived ?? 0) > 0) result.audioStreamsReceiving += 1
        }
        if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId)
      })
      if (pair) result.selectedLocalCandidateTypes.push(report.get(pair.localCandidateId)?.candidateType ?? null)
    }
    return result
  },

  /** What this page's publishers have sent: video frames and audio packets. */
  async sent() {
    const result = { framesSent: 0, audioPacketsSent: 0 }
    for (const pc of state.call?.publishers.values() ?? []) {
      const report = await pc.getStats()
      report.forEach((s) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video') result.framesSent += s.framesSent ?? 0
        if (s.type === 'outbound-rtp' && s.kind === 'audio') result.audioPacketsSent += s.packetsSent ?? 0
      })
    }
    return result
  },

  /** A round trip on this page's realtime connection: every frame the server sent it before has arrived. */
  async ping() {
    await state.rt.ping()
    return true
  },

  /** The remote address of the selected candidate pair of every connection (publishers included). */
  async remoteAddresses() {
    const call = state.call
    if (!call) return []
    const addresses = []
    for (const pc of [...call.publishers.values(), ...connections()]) {
      const report = await pc.getStats()
      report.forEach((s) => {
        if (s.type !== 'transport' || !s.selectedCandidatePairId) return
        const pair = report.get(s.selectedCandidatePairId)
        const remote = pair && report.get(pair.remoteCandidateId)
        addresses.push(remote?.address ?? remote?.ip ?? null)
      })
    }
    return addresses
  },

  /** SFU: decoded video frames per feed (feed id → frames). */
  async framesByFeed() {
    const frames = {}
    const pc = state.call?.subscriber
    if (!pc) return frames
    const report = await pc.getStats()
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        const feedId = state.call.mids.get(String(s.mid)) ?? `mid:${s.mid}`
        frames[feedId] = (frames[feedId] ?? 0) + (s.framesDecoded ?? 0)
      }
    })
    return frames
  },

  /** Call frames received so far (of one type, if given). */
  frames(type) {
    return state.frames.filter((f) => !type || f.type === type)
  },

  participants() {
    return [...(state.call?.participants.values() ?? [])]
  },

  feeds() {
    return [...(state.call?.feeds.values() ?? [])]
  },

  async update(changes) {
    await state.call.update(changes)
  },

  async shareScreen() {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true })
    state.screen = stream
    await state.call.publish('screen', stream)
    await state.call.update({ media: { screen: true } })
  },

  async switchCamera(width = 320, height = 240) {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width, height } })
    await state.call.replaceTrack('camera', stream.getVideoTracks()[0])
  },

  async request(method, ...args) {
    try {
      await state.call[method](...args)
      return { ok: true }
    } catch (error) {
      return { ok: false, code: error.code ?? String(error) }
    }
  },

  /** Plays a recording (its bytes as base64: Parley is another origin for this page). */
  async playRecording(base64, mime) {
    const blob = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
    const element = document.createElement(mime.startsWith('video') ? 'video' : 'audio')
    element.muted = true
    element.src = URL.createObjectURL(new Blob([blob], { type: mime }))
    document.getElementById('media').append(element)
    await new Promise((resolve, reject) => {
      element.addEventListener('loadeddata', resolve, { once: true })
      element.addEventListener('error', () => reject(new Error(`cannot play ${mime}: ${element.error?.message}`)), {
        once: true,
      })
    })
    await element.play()
    await playedFor(element, 1)
    return {
      currentTime: element.currentTime,
      videoWidth: element.videoWidth ?? 0,
      framesDecoded: element.getVideoPlaybackQuality?.().totalVideoFrames ?? 0,
    }
  },

  close() {
    state.call?.close()
    state.rt?.close()
    state.call = null
    state.rt = null
    state.frames = []
    state.tracks = 0
    state.remote = []
    state.local = null
    state.screen = null
  },
}

/** Milliseconds from start() to the first decoded video frame (polled every 10 ms). */
window.app.firstFrame = async (startedAt, timeoutMs = 10000) => {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    for (const pc of connections()) {
      const report = await pc.getStats()
      let decoded = 0
      report.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') decoded += s.framesDecoded ?? 0
      })
      if (decoded > 0) return performance.now() - startedAt
    }
    if (performance.now() > deadline) throw new Error('no decoded frame')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
