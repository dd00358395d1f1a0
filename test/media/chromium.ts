/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), with a fake camera and
 * microphone, and loopback addresses allowed in ICE so media can stay inside the test's network
 * namespace. Each launch gets a fresh profile folder.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

export type LaunchedChromium = {
  context: BrowserContext
  /** Its profile folder: the browser process is the one started with it (benchmarks find its CPU time). */
  profile: string
  close: () => Promise<void>
}

/** `args`: more command-line switches (e.g. fake-media.ts's camera and microphone files). */
export async function launchChromium(options: { args?: string[] } = {}): Promise<LaunchedChromium> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/install-media-deps.sh)`)
  const profile = await mkdtemp(join(tmpdir(), 'parley-chromium-'))
  // A persistent context on a fresh folder: that is how playwright takes --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--allow-loopback-in-peer-connection',
      ...(options.args ?? []),
    ],
  })
  return {
    context,
    profile,
    close: async () => {
      await context.close().catch(() => {})
      await rm(profile, { recursive: true, force: true })
    },
  }
}
