/**
 * The CPU cost of end-to-end encryption, for `npm run bench:calls`: the same call twice in one run
 * — one publisher (camera 320×240 and microphone) and two subscribers on Janus — first in a room
 * without e2ee (the baseline), then in a room with it. Reported:
 *  - Chromium's CPU (every process of the browser the pages run in) in each, and the difference per
 *    stream end (the publisher encrypts one stream, each subscriber decrypts it: three ends);
 *  - the time the encryption worker spends in WebCrypto, which it measures itself: per second of
 *    call for the one encrypted stream and per decrypted stream, and per frame.
 * Printed, never asserted.
 */
import { readdirSync, readFileSync } from 'node:fs'
import type { SdkPage } from '@parley/test/media/sdk-fixture.ts'

type Count = { frames: number; bytes: number; ms: number }
type WorkerStats = { encrypted: { audio: Count; video: Count }; decrypted: { audio: Count; video: Count } }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** CPU milliseconds so far of the browser started with this profile and all its descendants (at 100 Hz). */
export function chromiumCpuMs(profile: string): number {
  const processes = new Map<number, { ppid: number; ms: number; root: boolean }>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      processes.set(pid, {
        ppid: Number(fields[1]),
        ms: (Number(fields[11]) + Number(fields[12])) * 10,
        root: cmdline.includes(`--user-data-dir=${profile}`),
      })
    } catch {
      // Gone meanwhile.
    }
  }
  const inBrowser = (pid: number): boolean => {
    for (let p = processes.get(pid), hops = 0; p && hops < 10; p = processes.get(p.ppid), hops++)
      if (p.root) return true
    return false
  }
  let total = 0
  for (const [pid, p] of processes) if (inBrowser(pid)) total += p.ms
  return total
}

const app = <T>(page: SdkPage, method: string) =>
  page.page.evaluate((m) => (globalThis as never as { app: Record<string, () => T> }).app[m]?.(), method) as Promise<T>

type Scenario = { chromiumMs: number; wallMs: number; publisher?: WorkerStats; subscribers?: WorkerStats[] }

async function run(
  open: (i: number) => Promise<SdkPage>,
  people: [number, number, number],
  roomId: string,
  profile: string,
  seconds: number,
): Promise<Scenario> {
  const pages = await Promise.all(people.map(open))
  const [publisher, ...subscribers] = pages as [SdkPage, SdkPage, SdkPage]
  const published = await publisher.start({ roomId, media: { audio: true, video: true, screen: false } })
  if (!published.ok) throw new Error(JSON.stringify(published))
  for (const page of subscribers) {
    const joined = await page.start({ roomId, media: { audio: false, video: false, screen: false } })
    if (!joined.ok) throw new Error(JSON.stringify(joined))
    await page.firstFrame(joined.startedAt)
  }
  await sleep(2000)
  const snapshot = () => Promise.all(pages.map((p) => app<WorkerStats | null>(p, 'e2eeStats')))
  const before = await snapshot()
  const cpu0 = chromiumCpuMs(profile)
  const wall0 = performance.now()
  await sleep(seconds * 1000)
  const chromiumMs = chromiumCpuMs(profile) - cpu0
  const wallMs = performance.now() - wall0
  const after = await snapshot()
  for (const page of pages) await page.page.close()
  const delta = (i: number): WorkerStats | undefined => {
    const a = after[i]
    const b = before[i]
    if (!a || !b) return undefined
    const d = (x: Count, y: Count): Count => ({
      frames: x.frames - y.frames,
      bytes: x.bytes - y.bytes,
      ms: x.ms - y.ms,
    })
    return {
      encrypted: { audio: d(a.encrypted.audio, b.encrypted.audio), video: d(a.encrypted.video, b.encrypted.video) },
      decrypted: { audio: d(a.decrypted.audio, b.decrypted.audio), video: d(a.decrypted.video, b.decrypted.video) },
    }
  }
  const subscriberStats = [delta(1), delta(2)].filter((s): s is WorkerStats => s !== undefined)
  return {
    chromiumMs,
    wallMs,
    ...(delta(0) ? { publisher: delta(0) } : {}),
    ...(subscriberStats.length ? { subscribers: subscriberStats } : {}),
  }
}

export async function measureE2eeCost(options: {
  open: (i: number) => Promise<SdkPage>
  roomId: string
  e2eeRoomId: string
  profile: string
  people: { plain: [number, number, number]; e2ee: [number, number, number] }
  seconds?: number
}): Promise<void> {
  const seconds = options.seconds ?? 10
  const plain = await run(options.open, options.people.plain, options.roomId, options.profile, seconds)
  await sleep(1000)
  const e2ee = await run(options.open, options.people.e2ee, options.e2eeRoomId, options.profile, seconds)
  const pct = (ms: number, wall: number) => ((ms / wall) * 100).toFixed(2)
  const plainPct = (plain.chromiumMs / plain.wallMs) * 100
  const e2eePct = (e2ee.chromiumMs / e2ee.wallMs) * 100
  console.log(
    `end-to-end encryption cost, 1 publisher (camera 320×240 + microphone) → 2 subscribers on Janus, ${seconds} s each, same run:`,
  )
  console.log(
    `  Chromium CPU (all its processes): unencrypted ${plainPct.toFixed(2)} % of a core, end-to-end encrypted ${e2eePct.toFixed(2)} % ` +
      `(ratio ${(e2eePct / plainPct).toFixed(3)}; ${((e2eePct - plainPct) / 3).toFixed(2)} % of a core per stream end: 1 encrypting, 2 decrypting)`,
  )
  const pub = e2ee.publisher
  const subs = e2ee.subscribers ?? []
  if (!pub || subs.length === 0) {
    console.log('  (no encryption worker statistics: was the call end-to-end encrypted?)')
    return
  }
  const enc = { ms: pub.encrypted.audio.ms + pub.encrypted.video.ms }
  const dec = subs.map((s) => s.decrypted.audio.ms + s.decrypted.video.ms)
  const perFrame = (c: Count) => (c.frames > 0 ? `${((c.ms / c.frames) * 1000).toFixed(0)} µs` : '-')
  const sub = subs[0] as WorkerStats
  console.log(
    `  time in WebCrypto calls in the encryption worker (wall time, an upper bound of their CPU): encrypting the stream ${pct(enc.ms, e2ee.wallMs)} % of a core ` +
      `(video ${pub.encrypted.video.frames} frames at ${perFrame(pub.encrypted.video)}/frame, audio ${pub.encrypted.audio.frames} at ${perFrame(pub.encrypted.audio)}); ` +
      `decrypting it ${dec.map((ms) => `${pct(ms, e2ee.wallMs)} %`).join(' and ')} per subscriber ` +
      `(video ${perFrame(sub.decrypted.video)}/frame, audio ${perFrame(sub.decrypted.audio)}/frame)`,
  )
}
