// The browser side of the media tests: publish the fake camera and microphone, subscribe to what
// the server offers, report getStats counters. Signalling goes through the test (Node), which
// hands SDP to Parley's media engine: the page never talks to Janus. Non-trickle: each side
// waits for ICE gathering to finish so the SDP carries every candidate.
'use strict'

const peers = new Map()

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

function waitForGathering(pc, timeoutMs = 5000) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs)
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(timer)
        resolve()
      }
    })
  })
}

function newPeer(name, { iceServers = [], iceTransportPolicy = 'all' } = {}) {
  peers.get(name)?.pc.close()
  const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy })
  const peer = { pc, candidates: [], trickled: [], gathered: false, connectedAt: 0 }
  pc.addEventListener('icecandidate', (event) => {
    if (event.candidate) {
      peer.candidates.push(event.candidate.candidate)
      const { candidate, sdpMid, sdpMLineIndex } = event.candidate
      peer.trickled.push({ candidate, sdpMid, sdpMLineIndex })
    } else {
      peer.gathered = true
    }
  })
  pc.addEventListener('track', (event) => {
    const element = document.createElement(event.track.kind === 'video' ? 'video' : 'audio')
    element.autoplay = true
    element.muted = true
    element.playsInline = true
    element.srcObject = new MediaStream([event.track])
    document.getElementById('media').append(element)
  })
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'connected' && !peer.connectedAt) peer.connectedAt = performance.now()
  })
  peers.set(name, peer)
  return peer
}

window.parley = {
  /** Creates a send-only PeerConnection with the fake camera and microphone; returns the offer. */
  async publish(name, options = {}) {
    const peer = newPeer(name, options)
    const stream = options.screen
      ? await navigator.mediaDevices.getDisplayMedia({ video: true })
      : await navigator.mediaDevices.getUserMedia({
          audio: options.audio ?? true,
          video: options.simulcast ? { width: 1280, height: 720 } : { width: 320, height: 240 },
        })
    peer.stream = stream
    for (const track of stream.getTracks()) {
      // Simulcast: three layers of the camera, full, half and a quarter size. Janus 1.1 reads the
      // rids of a=simulcast as highest first (janus.js sends h, m, l), so the order matters.
      const sendEncodings =
        options.simulcast && track.kind === 'video'
          ? [
              { rid: 'h', maxBitrate: 1_000_000 },
              { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 400_000 },
              { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
            ]
          : undefined
      peer.pc.addTransceiver(track, {
        direction: 'sendonly',
        streams: [stream],
        ...(sendEncodings ? { sendEncodings } : {}),
      })
    }
    await peer.pc.setLocalDescription(await peer.pc.createOffer())
    // Trickle: hand out the offer at once; candidates follow through `candidates()`.
    if (options.trickle) return peer.pc.localDescription.sdp
    await waitForGathering(peer.pc)
    return peer.pc.localDescription.sdp
  },

  /** Trickle: candidates gathered so far, and whether gathering is complete. */
  candidates(name) {
    const peer = peers.get(name)
    return { candidates: peer.trickled, complete: peer.gathered }
  },

  /** Mesh: a two-way PeerConnection sending the fake camera and microphone; returns its offer, or its answer to `offerSdp`. */
  async mesh(name, offerSdp, options = {}) {
    const peer = newPeer(name, options)
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } })
    peer.stream = stream
    for (const track of stream.getTracks()) peer.pc.addTrack(track, stream)
    if (offerSdp) await peer.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp })
    await peer.pc.setLocalDescription(offerSdp ? await peer.pc.createAnswer() : await peer.pc.createOffer())
    await waitForGathering(peer.pc)
    return peer.pc.localDescription.sdp
  },

  async setAnswer(name, sdp) {
    await peers.get(name).pc.setRemoteDescription({ type: 'answer', sdp })
  },

  /** Takes the server's offer (first or renegotiated), plays what arrives, returns the answer. */
  async subscribe(name, offerSdp, options = {}) {
    const peer = peers.get(name) ?? newPeer(name, options)
    await peer.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp })
    await peer.pc.setLocalDescription(await peer.pc.createAnswer())
    await waitForGathering(peer.pc)
    return peer.pc.localDescription.sdp
  },

  /** Counters that show media really flows (decoded, not just sent). */
  async stats(name) {
    const peer = peers.get(name)
    const result = {
      connectionState: peer.pc.connectionState,
      iceConnectionState: peer.pc.iceConnectionState,
      iceGatheringState: peer.pc.iceGatheringState,
      localCandidateTypes: [...new Set(peer.candidates.map((c) => / typ (\w+)/.exec(c)?.[1]))],
      framesDecoded: 0,
      frameWidths: [],
      videoStreamsDecoding: 0,
      audioStreamsReceiving: 0,
      videoPacketsReceived: 0,
      audioPacketsReceived: 0,
      audioBytesReceived: 0,
      framesSent: 0,
      audioPacketsSent: 0,
      selectedLocalCandidateType: null,
      selectedRemoteAddress: null,
      connectedAt: peer.connectedAt,
    }
    const report = await peer.pc.getStats()
    let pair
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        result.framesDecoded += s.framesDecoded ?? 0
        if ((s.framesDecoded ?? 0) > 0) {
          result.videoStreamsDecoding += 1
          result.frameWidths.push(s.frameWidth ?? 0)
        }
        result.videoPacketsReceived += s.packetsReceived ?? 0
      }
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        result.audioPacketsReceived += s.packetsReceived ?? 0
        result.audioBytesReceived += s.bytesReceived ?? 0
        if ((s.packetsReceived ?? 0) > 0) result.audioStreamsReceiving += 1
      }
      if (s.type === 'outbound-rtp' && s.kind === 'video') result.framesSent += s.framesSent ?? 0
      if (s.type === 'outbound-rtp' && s.kind === 'audio') result.audioPacketsSent += s.packetsSent ?? 0
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId)
    })
    result.frameWidths.sort((a, b) => a - b)
    if (pair) result.selectedLocalCandidateType = report.get(pair.localCandidateId)?.candidateType ?? null
    if (pair) result.selectedRemoteAddress = report.get(pair.remoteCandidateId)?.address ?? null
    return result
  },

  /** Plays a recorded file (bytes as base64) and reports what the browser decoded. */
  async playRecording(base64, mime) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
    const element = document.createElement(mime.startsWith('video') ? 'video' : 'audio')
    element.muted = true
    element.src = URL.createObjectURL(new Blob([bytes], { type: mime }))
    document.getElementById('media').append(element)
    await new Promise((resolve, reject) => {
      element.addEventListener('loadeddata', resolve, { once: true })
      element.addEventListener('error', () => reject(new Error(`cannot play ${mime}: ${element.error?.message}`)), {
        once: true,
      })
    })
    await element.play()
    await playedFor(element, 1)
    const quality = element.getVideoPlaybackQuality?.()
    return {
      currentTime: element.currentTime,
      videoWidth: element.videoWidth ?? 0,
      framesDecoded: quality?.totalVideoFrames ?? 0,
    }
  },

  close(name) {
    const peer = peers.get(name)
    peer?.stream?.getTracks().forEach((t) => t.stop())
    peer?.pc.close()
    peers.delete(name)
  },
}
