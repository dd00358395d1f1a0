/**
 * Microphone levels from Web Audio: the pre-join meter and, in mesh calls, whether the local
 * microphone hears speech.
 *
 * Both read the peak over every sample since the previous poll, not a short window at each poll: a
 * short sound (a word's plosive, or the half-second beep of a test device) that falls between two
 * polls would otherwise go unseen, and on a quiet machine the poll timer and a periodic sound can
 * stay in step so that it is never seen.
 */
const POLL_MS = 100

/** Calls `onPeak` every 100 ms with the peak (0–128, byte scale) heard since the call before. */
function peakMeter(track: MediaStreamTrack, onPeak: (peak: number) => void): () => void {
  const context = new AudioContext()
  // A context made outside a click can start suspended; the page has had one (Start call) by now.
  void context.resume().catch(() => {})
  const analyser = context.createAnalyser()
  // The largest window (32768 samples, 0.68 s at 48 kHz) covers a poll delayed several times over.
  analyser.fftSize = 32768
  context.createMediaStreamSource(new MediaStream([track])).connect(analyser)
  const data = new Uint8Array(analyser.fftSize)
  let last = context.currentTime
  const timer = setInterval(() => {
    analyser.getByteTimeDomainData(data)
    const now = context.currentTime
    const fresh = Math.min(data.length, Math.ceil((now - last) * context.sampleRate) + 128)
    last = now
    let peak = 0
    for (let i = data.length - fresh; i < data.length; i++) peak = Math.max(peak, Math.abs(data[i]! - 128))
    onPeak(peak)
  }, POLL_MS)
  return () => {
    clearInterval(timer)
    void context.close()
  }
}

/** Mesh calls: whether the local microphone hears speech (level above a threshold for a moment). */
export function speakingDetector(stream: MediaStream, onChange: (speaking: boolean) => void): () => void {
  const track = stream.getAudioTracks()[0]
  if (!track || typeof AudioContext === 'undefined') return () => {}
  let speaking = false
  let since = 0
  return peakMeter(track, (peak) => {
    const loud = track.enabled && peak > 12
    const now = Date.now()
    if (loud !== speaking) {
      if (!since) since = now
      if (now - since > (loud ? 200 : 800)) {
        speaking = loud
        since = 0
        onChange(speaking)
      }
    } else since = 0
  })
}

/** The level (0–1) of a stream's audio, for the pre-join meter. */
export function audioLevel(stream: MediaStream, onLevel: (level: number) => void): () => void {
  const track = stream.getAudioTracks()[0]
  if (!track || typeof AudioContext === 'undefined') return () => {}
  return peakMeter(track, (peak) => onLevel(Math.min(1, peak / 64)))
}
