/**
 * Debian's Chromium through playwright-core for the web client's end-to-end tests: one browser,
 * a separate context (cookies, storage) per person, a fake camera and microphone, and loopback
 * addresses allowed in ICE so mesh calls stay inside the test's network namespace.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import assert from 'node:assert/strict'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import { CHROMIUM } from '../media/chromium.ts'
import { interceptFileChoosers } from './file-chooser.ts'

export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts', 'web')

/** `args`: more Chromium switches, e.g. fake-media.ts's camera and microphone of known content. */
export async function launchBrowser(options: { args?: string[] } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/install-media-deps.sh)`)
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: [
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
      '--autoplay-policy=no-user-gesture-required',
      ...(options.args ?? []),
    ],
  })
}

export type PersonPage = { context: BrowserContext; page: Page; errors: string[] }

/** A new person: their own context (their own cookies), a page that records its console errors. */
export async function openPerson(
  browser: Browser,
  origin: string,
  options: {
    viewport?: { width: number; height: number }
    colorScheme?: 'light' | 'dark'
    locale?: string
    /** The browser's time zone (IANA), for screens that show times in it. */
    timezoneId?: string
    path?: string
    /** Runs in every page of the context before its own scripts (to take a browser feature away). */
    init?: () => void
  } = {},
): Promise<PersonPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    locale: options.locale ?? 'en-US',
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
    permissions: ['camera', 'microphone'],
  })
  if (options.init) await context.addInitScript(options.init)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    // Network errors the app handles (401 of the session probe when signed out) are not script errors.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      errors.push(`console: ${message.text()}`)
  })
  page.on('dialog', (dialog) => void dialog.accept())
  interceptFileChoosers(page)
  await page.goto(origin + (options.path ?? '/'))
  return { context, page, errors }
}

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).last().click()
  await page.getByRole('heading', { name: 'Rooms' }).waitFor()
  await page.locator('.connection[data-state="open"]').waitFor()
}

/** A PNG of the page under test/artifacts/web/ (gitignored), for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true })
  const path = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path, fullPage: false })
  return path
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

/** axe-core in the page (WCAG 2.1 A/AA rules): no serious or critical violation may remain. */
export async function assertAccessible(page: Page, view: string): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's CSP (no eval) does not restrict.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(await axeSource)
  // Colours are checked once they have settled: buttons fade their colours (0.12 s), and a theme
  // switched just before would otherwise be measured half-way on a slow machine. Endless animations
  // (the lobby's spinner) never finish and are not waited for.
  await page.evaluate(() => {
    type Anim = { finished: Promise<unknown>; effect: { getComputedTiming(): { endTime?: number | string } } | null }
    const animations = (globalThis as unknown as { document: { getAnimations(): Anim[] } }).document.getAnimations()
    const finite = animations.filter((a) => Number.isFinite(Number(a.effect?.getComputedTiming().endTime)))
    return Promise.all(finite.map((a) => a.finished.catch(() => undefined)))
  })
  const violations = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (o: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target })),
    }))
  })) as AxeViolation[]
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  assert.deepEqual(bad, [], `${view}: axe-core found serious or critical violations:\n${JSON.stringify(bad, null, 2)}`)
}

const LOOKS = [
  { size: 'desktop', viewport: { width: 1280, height: 800 } },
  { size: 'phone', viewport: { width: 360, height: 740 } },
] as const

/**
 * A view at desktop and phone (360 px) width, light and dark: axe-core on each, a screenshot of each
 * (`<name>-desktop-light.png` …), scrolled to `show` when given. The theme must follow the system
 * (the default); the page is left at desktop width in light.
 */
export async function checkLooks(page: Page, name: string, options: { show?: Locator } = {}): Promise<void> {
  for (const { size, viewport } of LOOKS)
    for (const scheme of ['light', 'dark'] as const) {
      await page.setViewportSize(viewport)
      await page.emulateMedia({ colorScheme: scheme })
      await page.locator(`html[data-theme="${scheme}"]`).waitFor({ state: 'attached' })
      // A part further down the page is scrolled into the screenshot (axe checks the whole page anyway).
      await options.show?.scrollIntoViewIfNeeded()
      await assertAccessible(page, `${name} (${size}, ${scheme})`)
      const scroll = (await page.evaluate('document.documentElement.scrollWidth')) as number
      assert.ok(scroll <= viewport.width, `${name}: nothing wider than ${viewport.width}px (${scroll}px)`)
      await screenshot(page, `${name}-${size}-${scheme}`)
    }
  await page.setViewportSize(LOOKS[0].viewport)
  await page.emulateMedia({ colorScheme: 'light' })
}

/** A small PNG of one colour (for avatar uploads), made here so the tests carry no binary files. */
export function solidPng(size: number, [r, g, b]: [number, number, number]): Buffer {
  const row = Buffer.alloc(1 + size * 3)
  for (let x = 0; x < size; x++) row.set([r, g, b], 1 + x * 3)
  const raw = Buffer.concat(Array.from({ length: size }, () => row))
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([length, body, crc])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8 bits, RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
