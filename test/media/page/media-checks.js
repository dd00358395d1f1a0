// What a person in a call would check, measured in the page: does the picture that arrives look
// like the one that was sent, and is the tone that was sent heard? The fake camera shows four
// coloured quadrants and the fake microphone plays a steady tone (test/media/fake-media.ts), so a
// picture decoded from the right bytes has those four colours and the audio has that one peak;
// frames that do not decode (or decode from the wrong bytes) have neither.

/** Resolves once `count` more frames of the video were presented, or after `timeoutMs`. */
function framesPresented(video, count, timeoutMs) {
  return new Promise((resolve) => {
    let seen = 0
    const timer = setTimeout(resolve, timeoutMs)
    const next = () =>
      video.requestVideoFrameCallback(() => {
        if (++seen < count) return next()
        clearTimeout(timer)
        resolve()
      })
    next()
  })
}

/** Mean colour of each quadrant (top left, top right, bottom left, bottom right) of the track's latest frame, or null when none decodes in time. */
export async function picture(track, timeoutMs = 4000) {
  const video = document.createElement('video')
  video.muted = true
  video.playsInline = true
  video.srcObject = new MediaStream([track])
  document.getElementById('media')?.append(video)
  try {
    video.play().catch(() => {})
    const deadline = performance.now() + timeoutMs
    while (!(video.videoWidth > 0 && video.readyState >= 2)) {
      if (performance.now() > deadline) return null
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    // A few frames later (five presented), so the picture is a settled one, not the first keyframe
    // at low quality; past two more seconds, the latest frame is taken as it is.
    await framesPresented(video, 5, 2000)
    const width = video.videoWidth
    const height = video.videoHeight
    const canvas = document.createElement('canvas')
    canvas.width = width
    canvas.height = height
    const context = canvas.getContext('2d', { willReadFrequently: true })
    context.drawImage(video, 0, 0, width, height)
    const pixels = context.getImageData(0, 0, width, height).data
    const quadrants = []
    for (const [qx, qy] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ]) {
      // The inner half of each quadrant: away from the edges, where compression blurs colours together.
      const x0 = Math.floor(((qx * 2 + 0.5) * width) / 4)
      const x1 = Math.floor(((qx * 2 + 1.5) * width) / 4)
      const y0 = Math.floor(((qy * 2 + 0.5) * height) / 4)
      const y1 = Math.floor(((qy * 2 + 1.5) * height) / 4)
      const sum = [0, 0, 0]
      let n = 0
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          const i = (y * width + x) * 4
          sum[0] += pixels[i]
          sum[1] += pixels[i + 1]
          sum[2] += pixels[i + 2]
          n++
        }
      quadrants.push(sum.map((s) => Math.round(s / n)))
    }
    return { width, height, quadrants }
  } finally {
    video.pause()
    video.srcObject = null
    video.remove()
  }
}

let audioContext = null

/** The strongest frequency of the track's audio over about a second, its level and the median level (dB). */
export async function tone(track, listenMs = 1200) {
  audioContext ??= new AudioContext()
  await audioContext.resume()
  const source = audioContext.createMediaStreamSource(new MediaStream([track]))
  const analyser = audioContext.createAnalyser()
  analyser.fftSize = 4096
  analyser.smoothingTimeConstant = 0
  source.connect(analyser)
  const bins = new Float32Array(analyser.frequencyBinCount)
  const sum = new Float64Array(bins.length)
  let samples = 0
  const deadline = performance.now() + listenMs
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    analyser.getFloatFrequencyData(bins)
    for (let i = 0; i < bins.length; i++) sum[i] += Number.isFinite(bins[i]) ? bins[i] : -200
    samples++
  }
  source.disconnect()
  const mean = Array.from(sum, (s) => s / samples)
  let peak = 1
  for (let i = 1; i < mean.length; i++) if (mean[i] > mean[peak]) peak = i
  const sorted = [...mean].sort((a, b) => a - b)
  return {
    peakHz: Math.round((peak * audioContext.sampleRate) / analyser.fftSize),
    peakDb: Math.round(mean[peak]),
    medianDb: Math.round(sorted[Math.floor(sorted.length / 2)]),
  }
}
