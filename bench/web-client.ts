/**
 * `npm run bench:web`: the web client as a person meets it, in Debian's Chromium against a real
 * `parley serve` on loopback.
 *
 * 1. Size: the JavaScript the first view (the signed-in room list) loads, as transferred
 *    (compressed by the server) and uncompressed; the target is < 250 KB compressed.
 * 2. Time from navigation to an interactive room list (the rooms rendered and the realtime
 *    connection open), median and p90 over BENCH_RUNS loads (default 15), beside the same
 *    measure for a static HTML page with the same room names served by the same server in the
 *    same run (the raw baseline): the ratio is what the client costs over plain HTML.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { launchBrowser, signIn } from '@parley/test/web/browser.ts'
import { ensureWebBuilt, serve, WEB_DIST } from '@parley/test/web/serve.ts'

// eslint-disable-next-line no-restricted-properties -- the benchmark's own knob, not server configuration
const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const ROOMS = 12
const TARGET_KB = 250

await ensureWebBuilt()
// The built client, plus the baseline page, in a folder of this run's own.
const dir = mkdtempSync(join(tmpdir(), 'parley-bench-web-'))
cpSync(WEB_DIST, dir, { recursive: true })
const names = Array.from({ length: ROOMS }, (_, i) => `Room ${i + 1}`)
writeFileSync(
  join(dir, 'assets', 'static-baseline.html'),
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Rooms</title></head><body><h2>Rooms</h2><ul>${names
    .map((n, i) => `<li><a data-room-id="${i}" href="#">${n}</a></li>`)
    .join('')}</ul></body></html>`,
)

const server = await serve({ PARLEY_WEB_CLIENT_DIR: dir })
await server.addUser('alice', 'alice password 1', { admin: true, displayName: 'Alice' })
const browser = await launchBrowser()

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  await page.goto(server.origin + '/')
  await signIn(page, 'alice', 'alice password 1')
  // Rooms to list, made through the REST API with the browser's session (as the client would).
  await page.evaluate(
    async ({ names }) => {
      const session = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string }
      for (const name of names)
        await fetch('/api/v1/rooms', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
          body: JSON.stringify({ kind: 'group', name }),
        })
    },
    { names },
  )

  // 1. What the first view loads.
  const scripts: { url: string; transferred: number; decoded: number }[] = []
  const client = await context.newCDPSession(page)
  await client.send('Network.enable')
  await client.send('Network.setCacheDisabled', { cacheDisabled: true })
  const pending = new Map<string, string>()
  client.on('Network.responseReceived', (e) => {
    if (e.type === 'Script') pending.set(e.requestId, e.response.url)
  })
  client.on('Network.loadingFinished', (e) => {
    const url = pending.get(e.requestId)
    if (url) scripts.push({ url, transferred: e.encodedDataLength, decoded: 0 })
  })
  await page.goto(server.origin + '/')
  await interactive(page)
  await client.send('Network.setCacheDisabled', { cacheDisabled: false })
  await client.detach()
  for (const s of scripts) s.decoded = (await (await fetch(s.url)).arrayBuffer()).byteLength
  const transferred = scripts.reduce((a, s) => a + s.transferred, 0)
  const decoded = scripts.reduce((a, s) => a + s.decoded, 0)

  // 2. Navigation → interactive room list, against the static page.
  const clientTimes: number[] = []
  const staticTimes: number[] = []
  for (let i = 0; i < RUNS; i++) {
    await page.goto(server.origin + '/assets/static-baseline.html')
    staticTimes.push(await interactiveStatic(page))
    await page.goto(server.origin + '/')
    clientTimes.push(await interactive(page))
  }

  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
  console.log(`web client, first view (signed-in room list of ${ROOMS} rooms), ${scripts.length} scripts:`)
  for (const s of scripts)
    console.log(`  ${new URL(s.url).pathname}  ${kb(s.transferred)} transferred, ${kb(s.decoded)}`)
  console.log(
    `  JavaScript: ${kb(transferred)} compressed (target < ${TARGET_KB} KB: ${transferred < TARGET_KB * 1024 ? 'met' : 'MISSED'}), ${kb(decoded)} uncompressed`,
  )
  const c = stats(clientTimes)
  const s = stats(staticTimes)
  console.log(`navigation → interactive room list, ${RUNS} loads each, warm cache, loopback:`)
  console.log(`  static HTML page (baseline): median ${s.median.toFixed(0)} ms, p90 ${s.p90.toFixed(0)} ms`)
  console.log(
    `  web client:                  median ${c.median.toFixed(0)} ms, p90 ${c.p90.toFixed(0)} ms  (${(c.median / s.median).toFixed(1)}× the baseline)`,
  )
} finally {
  await browser.close()
  await server.close()
  rmSync(dir, { recursive: true, force: true })
}

/** Milliseconds from navigation start until the room list is rendered and the realtime connection is open. */
async function interactive(page: Page): Promise<number> {
  await page.waitForSelector(`[data-room-id] >> nth=${ROOMS - 1}`)
  await page.waitForSelector('.connection[data-state="open"]')
  return page.evaluate(() => performance.now())
}

async function interactiveStatic(page: Page): Promise<number> {
  await page.waitForSelector(`[data-room-id] >> nth=${ROOMS - 1}`)
  return page.evaluate(() => performance.now())
}

function stats(values: number[]): { median: number; p90: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
  return { median: at(0.5), p90: at(0.9) }
}
