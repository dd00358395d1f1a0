/**
 * What a person sees in a call tile or a recording, measured in the page: the mean colour of each
 * quadrant of a <video>'s current frame, and how many frames it has shown. With fake-media.ts's
 * camera (red, green, blue and white quadrants) a picture decoded from the right bytes shows those
 * four colours.
 */
import type { Locator, Page } from 'playwright-core'

export type Quadrants = [number, number, number][]

type Video = {
  videoWidth: number
  videoHeight: number
  readyState: number
  networkState: number
  currentTime: number
  error: { code: number; message: string } | null
  srcObject: { getVideoTracks(): { muted: boolean }[] } | null
  getVideoPlaybackQuality(): { totalVideoFrames: number }
}
type Canvas = {
  width: number
  height: number
  getContext(
    kind: '2d',
    options: { willReadFrequently: boolean },
  ): {
    drawImage(video: Video, x: number, y: number, w: number, h: number): void
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray }
  }
}

/**
 * Decoded frames so far, the quadrants of the frame shown now (null before the first frame), and
 * whether its video track is muted (a WebRTC track is when its sender's media stops arriving).
 */
export type Seen = {
  frames: number
  quadrants: Quadrants | null
  muted: boolean | null
  /** The element's own state, for the error when a wait fails: why nothing shows. */
  playback: { ready: number; network: number; time: number; error: string | null }
}

/** Runs in the page: a function, not a string (the page's Content-Security-Policy forbids eval). */
function readVideo(video: Video): Seen {
  const frames = video.getVideoPlaybackQuality().totalVideoFrames
  const muted = video.srcObject?.getVideoTracks()[0]?.muted ?? null
  const playback = {
    ready: video.readyState,
    network: video.networkState,
    time: video.currentTime,
    error: video.error ? `${video.error.code} ${video.error.message}` : null,
  }
  const width = video.videoWidth
  const height = video.videoHeight
  if (width === 0 || video.readyState < 2) return { frames, quadrants: null, muted, playback }
  const doc = (globalThis as unknown as { document: { createElement(tag: 'canvas'): Canvas } }).document
  const canvas = doc.createElement('canvas')
  canvas.width = width
  canvas.height = height
  const context = canvas.getContext('2d', { willReadFrequently: true })
  context.drawImage(video, 0, 0, width, height)
  const pixels = context.getImageData(0, 0, width, height).data
  const quadrants: [number, number, number][] = []
  for (const [qx, qy] of [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ] as const) {
    // The inner half of each quadrant: away from the edges, where compression blurs colours together.
    const x0 = Math.floor(((qx * 2 + 0.5) * width) / 4)
    const x1 = Math.floor(((qx * 2 + 1.5) * width) / 4)
    const y0 = Math.floor(((qy * 2 + 0.5) * height) / 4)
    const y1 = Math.floor(((qy * 2 + 1.5) * height) / 4)
    const sum = [0, 0, 0]
    let n = 0
    for (let y = y0; y < y1; y += 2)
      for (let x = x0; x < x1; x += 2) {
        const i = (y * width + x) * 4
        sum[0]! += pixels[i]!
        sum[1]! += pixels[i + 1]!
        sum[2]! += pixels[i + 2]!
        n++
      }
    quadrants.push([Math.round(sum[0]! / n), Math.round(sum[1]! / n), Math.round(sum[2]! / n)])
  }
  return { frames, quadrants, muted, playback }
}

/** What the <video> inside `where` shows now. */
export function seen(where: Locator): Promise<Seen> {
  // readVideo itself goes to the page (Playwright sends its source): it must close over nothing.
  return where.locator('video').evaluate(readVideo as unknown as (video: unknown) => Seen)
}

/** Red, green, blue and white where fake-media.ts's camera puts them. */
export function isQuadrants(q: Quadrants | null): boolean {
  if (!q) return false
  const [red, green, blue, white] = q
  const high = (v: number) => v > 150
  const low = (v: number) => v < 100
  return (
    !!red &&
    !!green &&
    !!blue &&
    !!white &&
    high(red[0]) &&
    low(red[1]) &&
    low(red[2]) &&
    low(green[0]) &&
    high(green[1]) &&
    low(green[2]) &&
    low(blue[0]) &&
    low(blue[1]) &&
    high(blue[2]) &&
    white.every((v) => v > 180)
  )
}

/** Polls what `where` shows until `accept` says yes; the last sight is in the error otherwise. */
export async function waitToSee(
  page: Page,
  where: Locator,
  what: string,
  accept: (s: Seen) => boolean,
  timeoutMs = 20_000,
): Promise<Seen> {
  const deadline = Date.now() + timeoutMs
  let last: Seen | null = null
  for (;;) {
    last = await seen(where).catch(() => null)
    if (last && accept(last)) return last
    if (Date.now() > deadline) throw new Error(`never saw ${what}; last: ${JSON.stringify(last)}`)
    await page.waitForTimeout(200)
  }
}

/**
 * Waits until `where` shows no new frame across `polls` consecutive looks while `moving` (another
 * video of the same page, e.g. the self view) shows at least `advance` new ones over those looks:
 * its sender's video stopped, proven against one that goes on — relative, so a slow or throttled
 * page, where every video stalls, does not pass for a stopped stream.
 */
export async function waitForStill(
  page: Page,
  where: Locator,
  what: string,
  moving: Locator,
  { polls = 8, advance = 15, timeoutMs = 20_000 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const window: { still: number; moving: number }[] = []
  for (;;) {
    const [a, b] = await Promise.all([seen(where), seen(moving)])
    window.push({ still: a.frames, moving: b.frames })
    if (window.length > polls) window.shift()
    const first = window[0]
    const last = window[window.length - 1]
    if (window.length === polls && first && last && first.still === last.still && last.moving - first.moving >= advance)
      return
    if (Date.now() > deadline) throw new Error(`${what}: frames never stopped (${JSON.stringify(window)})`)
    await page.waitForTimeout(100)
  }
}

/**
 * A small visible copy of the <video> inside `where` (same stream), fixed at the top left, for
 * reading frames that a hidden tile would not paint (a tile hides its video when the camera is off,
 * and a hidden <video> stops counting frames). Returns its host; remove it with `.evaluate`.
 */
export async function mirror(page: Page, where: Locator, id: string): Promise<Locator> {
  await where.locator('video').evaluate((video, hostId) => {
    type El = {
      id: string
      muted: boolean
      autoplay: boolean
      srcObject: unknown
      style: Record<string, string>
      append(e: El): void
    }
    const doc = (globalThis as unknown as { document: { createElement(t: string): El; body: El } }).document
    const host = doc.createElement('div')
    host.id = hostId
    // Through the CSSOM, which the page's Content-Security-Policy allows (no style attribute).
    Object.assign(host.style, { position: 'fixed', top: '0', left: '0', width: '160px', zIndex: '9999' })
    const copy = doc.createElement('video')
    copy.muted = true
    copy.autoplay = true
    copy.srcObject = (video as unknown as El).srcObject
    Object.assign(copy.style, { width: '160px' })
    host.append(copy)
    doc.body.append(host)
  }, id)
  return page.locator(`#${id}`)
}
