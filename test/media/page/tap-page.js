// Someone who gets an end-to-end encrypted call's media without its keys — as anyone holding the
// media server could: the test subscribes this page to a feed directly on Janus (not through
// Parley's call service, which would refuse it). The page has no SDK and no keys; it plays what
// arrives as any browser would, and an encoded-transform tap copies the frames as they come in
// (passing them on unchanged to the decoder) so the test can check them with keys from outside.
import { picture, tone } from './media-checks.js'

const TAP_WORKER = `
  let on = false
  let frames = []
  onrtctransform = (event) => {
    const { readable, writable, options } = event.transformer
    readable
      .pipeThrough(new TransformStream({
        transform(frame, controller) {
          if (on && frames.length < 600)
            frames.push({ kind: options.kind, keyframe: frame.type === 'key', data: new Uint8Array(frame.data).slice() })
          controller.enqueue(frame)
        },
      }))
      .pipeTo(writable)
      .catch(() => {})
  }
  onmessage = (event) => {
    if (event.data === 'start') { frames = []; on = true }
    if (event.data === 'take') { on = false; postMessage(frames); frames = [] }
  }
`
const worker = new Worker(URL.createObjectURL(new Blob([TAP_WORKER], { type: 'text/javascript' })))
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
const tracks = []
let pc = null

function waitForGathering(timeoutMs = 5000) {
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

window.tap = {
  /** Answers the media server's offer; every receiver gets the tap before media flows. */
  async subscribe(offerSdp) {
    pc ??= new RTCPeerConnection()
    pc.ontrack = (event) => {
      tracks.push(event.track)
      const element = document.createElement(event.track.kind === 'video' ? 'video' : 'audio')
      element.autoplay = true
      element.muted = true
      element.srcObject = new MediaStream([event.track])
      document.getElementById('media').append(element)
    }
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp })
    for (const transceiver of pc.getTransceivers())
      if (!transceiver.receiver.transform)
        transceiver.receiver.transform = new RTCRtpScriptTransform(worker, { kind: transceiver.receiver.track.kind })
    await pc.setLocalDescription(await pc.createAnswer())
    await waitForGathering()
    return pc.localDescription.sdp
  },

  start() {
    worker.postMessage('start')
  },

  /** The frames tapped since start(), as hex. */
  take() {
    return new Promise((resolve) => {
      worker.onmessage = (event) =>
        resolve(event.data.map((f) => ({ kind: f.kind, keyframe: f.keyframe, data: hex(f.data) })))
      worker.postMessage('take')
    })
  },

  async stats() {
    const result = { videoPackets: 0, audioPackets: 0, framesDecoded: 0, framesReceived: 0 }
    const report = await pc.getStats()
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        result.videoPackets += s.packetsReceived ?? 0
        result.framesDecoded += s.framesDecoded ?? 0
        result.framesReceived += s.framesReceived ?? 0
      }
      if (s.type === 'inbound-rtp' && s.kind === 'audio') result.audioPackets += s.packetsReceived ?? 0
    })
    return result
  },

  pictures() {
    return Promise.all(tracks.filter((t) => t.kind === 'video').map((t) => picture(t, 3000)))
  },

  async tones() {
    const heard = []
    for (const t of tracks.filter((t) => t.kind === 'audio')) heard.push(await tone(t))
    return heard
  },

  close() {
    pc?.close()
    pc = null
    tracks.length = 0
  },
}
