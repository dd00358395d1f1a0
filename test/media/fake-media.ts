/**
 * A fake camera and microphone whose content the receiving side can check, for Chromium's
 * --use-file-for-fake-video-capture and --use-file-for-fake-audio-capture: the camera shows four
 * flat quadrants (red, green, blue, white) at 1280×720 — big enough for three simulcast layers —
 * and the microphone plays a steady 880 Hz tone. A picture decoded from the right bytes shows
 * those colours where they belong, and audio decoded from the right bytes peaks at that frequency
 * (page/media-checks.js); frames that do not decode, or decode from the wrong bytes, do neither.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const TONE_HZ = 880
const WIDTH = 1280
const HEIGHT = 720
/** BT.601 limited-range Y, U, V of each quadrant: top left, top right, bottom left, bottom right. */
const QUADRANTS = [
  [81, 90, 240], // red
  [145, 54, 34], // green
  [41, 240, 110], // blue
  [235, 128, 128], // white
] as const

function camera(frames: number): Buffer {
  const plane = (w: number, h: number, channel: 0 | 1 | 2) => {
    const bytes = Buffer.alloc(w * h)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        bytes[y * w + x] = QUADRANTS[(y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1)]?.[channel] ?? 0
    return bytes
  }
  const frame = Buffer.concat([
    Buffer.from('FRAME\n'),
    plane(WIDTH, HEIGHT, 0),
    plane(WIDTH / 2, HEIGHT / 2, 1),
    plane(WIDTH / 2, HEIGHT / 2, 2),
  ])
  return Buffer.concat([
    Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F30:1 Ip A1:1 C420jpeg\n`),
    ...new Array<Buffer>(frames).fill(frame),
  ])
}

function microphone(seconds: number): Buffer {
  const rate = 48_000
  return wav(rate, rate * seconds, (i) => Math.sin((2 * Math.PI * TONE_HZ * i) / rate) * 0.3)
}

/** Mono 16-bit PCM WAV of `samples` samples, each `sample(i)` in -1…1. */
function wav(rate: number, samples: number, sample: (i: number) => number): Buffer {
  const data = Buffer.alloc(samples * 2)
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(sample(i) * 32767), i * 2)
  const header = Buffer.alloc(44)
  header.write('RIFF', 0)
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVEfmt ', 8)
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20) // PCM
  header.writeUInt16LE(1, 22) // mono
  header.writeUInt32LE(rate, 24)
  header.writeUInt32LE(rate * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36)
  header.writeUInt32LE(data.length, 40)
  return Buffer.concat([header, data])
}

/**
 * A voice for voice-activity detection: a steady tone is what noise suppression is made to remove
 * (Chromium's fades it within seconds, and Janus then hears silence), so this one glides up and down
 * between 250 and 1100 Hz with a second harmonic and a syllable-like swell, never quite silent.
 */
function voice(seconds: number): Buffer {
  const rate = 48_000
  const samples = rate * seconds
  let phase = 0
  return wav(rate, samples, (i) => {
    const t = i / rate
    const sweep = (t / 0.8) % 1
    const hz = 250 + 850 * (sweep < 0.5 ? sweep * 2 : 2 - sweep * 2)
    phase += (2 * Math.PI * hz) / rate
    const swell = 0.25 + 0.1 * Math.sin(2 * Math.PI * 3 * t)
    return swell * (Math.sin(phase) + 0.5 * Math.sin(2 * phase)) * 0.8
  })
}

/**
 * Writes both files into `dir`; returns the Chromium switches that use them. `microphone`: the
 * steady tone (checked by frequency) or a gliding voice (heard by voice-activity detection).
 */
export async function fakeMedia(
  dir: string,
  options: { microphone?: 'tone' | 'voice' } = {},
): Promise<{ args: string[] }> {
  const video = join(dir, 'quadrants.y4m')
  const audio = join(dir, 'microphone.wav')
  // Whole cycles of the tone, so its loop has no click.
  const sound = options.microphone === 'voice' ? voice(3) : microphone(3)
  await Promise.all([writeFile(video, camera(3)), writeFile(audio, sound)])
  return {
    args: [
      `--use-file-for-fake-video-capture=${video}`,
      `--use-file-for-fake-audio-capture=${audio}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  }
}

type Picture = { width: number; height: number; quadrants: number[][] } | null

/** Whether a received picture shows the sent one: each quadrant's colour within `tolerance` of it. */
export function samePicture(received: Picture, sent: Picture, tolerance = 40): boolean {
  if (!received || !sent) return false
  return sent.quadrants.every((colour, q) =>
    colour.every((value, c) => Math.abs(value - (received.quadrants[q]?.[c] ?? -999)) <= tolerance),
  )
}

/** Whether audio carries the tone: its strongest frequency within two analyser bins, well above the rest. */
export function hearsTone(tone: { peakHz: number; peakDb: number; medianDb: number }): boolean {
  return Math.abs(tone.peakHz - TONE_HZ) <= 24 && tone.peakDb - tone.medianDb >= 30
}
