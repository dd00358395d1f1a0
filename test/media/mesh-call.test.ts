/**
 * A mesh call through Parley's MeshEngine: three Chromium pages connect peer to peer, every offer
 * and answer relayed by the MeshRouter (which checks that both ends are in the call), and each page
 * decodes the other two's video and receives their audio. Needs Chromium and the private network
 * namespace (npm run test:media).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { MeshEngine, type MeshSignal } from '@parley/server/media'
import { launchChromium, type LaunchedChromium } from './chromium.ts'
import { bufferedLogger, callPage, waitFor } from './harness.ts'
import { requireMediaNetns } from './netns.ts'
import { startPageServer, type PageServer } from './page-server.ts'

const { logger, dump } = bufferedLogger()
let chromium: LaunchedChromium
let pages: PageServer

before(async () => {
  requireMediaNetns()
  pages = await startPageServer()
  chromium = await launchChromium()
})

after(async () => {
  await chromium?.close()
  await pages?.close()
})

test('MeshEngine relays the signalling of a three-person call and every page decodes the two others (needs Chromium, netns)', async () => {
  try {
    const engine = new MeshEngine({ maxParticipants: 3, logger })
    const created = await engine.createRouter({ callId: 'mesh-call' })
    assert.ok(created.ok)
    const router = created.value
    const names = ['ann', 'ben', 'cas']
    const page = new Map<string, ReturnType<typeof callPage>>()
    for (const name of names) {
      const p = await chromium.context.newPage()
      await p.goto(pages.url)
      page.set(name, callPage(p))
      assert.deepEqual(router.join(name), { ok: true, value: undefined })
    }
    assert.deepEqual(router.join('dia'), { ok: false, error: { type: 'call-full', max: 3 } })

    // What the realtime gateway will do: deliver each relayed signal to its addressee's browser.
    const deliveries: Promise<void>[] = []
    const relayed: string[] = []
    router.observer.on('signal', (to, from, signal) => {
      relayed.push(`${from}→${to}:${signal.type}`)
      deliveries.push(deliver(to, from, signal))
    })
    const deliver = async (to: string, from: string, signal: MeshSignal): Promise<void> => {
      const browser = page.get(to)
      assert.ok(browser)
      if (signal.type === 'offer') {
        const answer = await browser.mesh(`peer-${from}`, signal.sdp)
        assert.equal(router.relay(to, from, { type: 'answer', sdp: answer }).ok, true)
      } else if (signal.type === 'answer') {
        await browser.setAnswer(`peer-${from}`, signal.sdp)
      }
    }
    // The later joiner offers to those already in the call.
    for (const [i, name] of names.entries()) {
      for (const earlier of names.slice(0, i)) {
        const offer = await page.get(name)?.mesh(`peer-${earlier}`)
        assert.ok(offer)
        assert.equal(router.relay(name, earlier, { type: 'offer', sdp: offer }).ok, true)
      }
    }
    while (deliveries.length > 0) await deliveries.shift()
    assert.deepEqual(relayed.sort(), [
      'ann→ben:answer',
      'ann→cas:answer',
      'ben→ann:offer',
      'ben→cas:answer',
      'cas→ann:offer',
      'cas→ben:offer',
    ])

    for (const name of names) {
      for (const other of names.filter((n) => n !== name)) {
        const browser = page.get(name)
        assert.ok(browser)
        const first = await waitFor(`${name} decoding ${other}`, async () => {
          const stats = await browser.stats(`peer-${other}`)
          return stats.framesDecoded > 0 && stats.audioPacketsReceived > 0 ? stats : undefined
        })
        // Progress is waited for, not a fixed time: on a loaded machine it may hold no frame.
        const later = await waitFor(`${name} decoding ${other} further`, async () => {
          const stats = await browser.stats(`peer-${other}`)
          return stats.framesDecoded > first.framesDecoded ? stats : undefined
        })
        assert.ok(later.framesDecoded > first.framesDecoded, `${name} keeps decoding ${other}`)
        assert.equal(later.connectionState, 'connected')
      }
    }
    router.close()
    engine.close()
  } catch (error) {
    console.error(dump())
    throw error
  }
})
