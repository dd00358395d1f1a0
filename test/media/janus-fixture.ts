/**
 * What every Janus media test needs: a supervised Janus on the namespace's media interface, a
 * JanusEngine on it, the test page server and Chromium. Logs are buffered and printed only when a
 * test body fails (`withLogs`).
 */
import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import type { Page } from 'playwright-core'
import { JanusEngine, JanusSupervisor, type JanusEndpoint, type Router } from '@parley/server/media'
import { launchChromium, type LaunchedChromium } from './chromium.ts'
import { bufferedLogger, callPage, tempDir } from './harness.ts'
import { MEDIA_INTERFACE, requireMediaNetns } from './netns.ts'
import { startPageServer, type PageServer } from './page-server.ts'

export type JanusFixture = {
  engine: JanusEngine
  /** Janus's WebSocket API, for another engine on the same Janus (a second server node). */
  endpoint: JanusEndpoint
  supervisor: JanusSupervisor
  janusStartupMs: number
  chromium: LaunchedChromium
  pages: PageServer
  openPage(): Promise<ReturnType<typeof callPage>>
  newRouter(callId: string): Promise<Router>
  withLogs(body: (t: TestContext) => Promise<void>): (t: TestContext) => Promise<void>
  close(): Promise<void>
}

export async function startJanusFixture(options: {
  rtpPortRange: string
  settings?: Parameters<typeof JanusEngine.connect>[0]['settings']
  /** More Chromium switches (e.g. fake-media.ts's camera and microphone). */
  chromiumArgs?: string[]
}): Promise<JanusFixture> {
  requireMediaNetns()
  const { logger, dump } = bufferedLogger()
  const dir = await tempDir('parley-janus-')
  const supervisor = new JanusSupervisor({
    binary: '/usr/bin/janus',
    configDir: dir.path,
    port: 0,
    rtpPortRange: options.rtpPortRange,
    iceInterfaces: [MEDIA_INTERFACE],
    logger,
  })
  const started = await supervisor.start()
  assert.ok(started.ok, `Janus did not start: ${JSON.stringify(!started.ok && started.error)}`)
  const connected = await JanusEngine.connect({
    endpoint: started.value.endpoint,
    logger,
    ...(options.settings ? { settings: options.settings } : {}),
  })
  assert.ok(connected.ok, `cannot connect to Janus: ${JSON.stringify(!connected.ok && connected.error)}`)
  const engine = connected.value
  // Janus must survive the whole file: a crash would otherwise only show as a later test finding
  // the engine reconnecting.
  const firstPid = supervisor.pid
  const pages: PageServer = await startPageServer()
  const chromium = await launchChromium({ args: options.chromiumArgs ?? [] })
  // Chromium shares one fake camera among its pages, opened at the first page's size: each test
  // closes the pages it opened so the next one gets the camera at the size it asks for.
  const open = new Set<Page>()
  return {
    engine,
    endpoint: started.value.endpoint,
    supervisor,
    janusStartupMs: started.value.startupMs,
    chromium,
    pages,
    async openPage() {
      const page = await chromium.context.newPage()
      open.add(page)
      await page.goto(pages.url)
      return callPage(page)
    },
    async newRouter(callId) {
      const created = await engine.createRouter({ callId })
      assert.ok(created.ok, JSON.stringify(!created.ok && created.error))
      return created.value
    },
    withLogs(body) {
      return async (t) => {
        try {
          await body(t)
        } catch (error) {
          console.error(dump())
          throw error
        } finally {
          for (const page of open) await page.close().catch(() => {})
          open.clear()
        }
      }
    },
    async close() {
      const crashed = supervisor.pid !== firstPid
      if (crashed) console.error(dump())
      assert.ok(
        !crashed,
        `Janus (pid ${firstPid}) died during these tests and was restarted as pid ${supervisor.pid}: its output is above`,
      )
      engine.close()
      await chromium.close()
      await pages.close()
      await supervisor.close()
      await dir.remove()
    },
  }
}
