/** Shared steps of the web client's tests, done through the screens as a person would. */
import type { Page } from 'playwright-core'
import { signIn } from './browser.ts'

/** Creates a room through the "New room" dialog; resolves with its id (from the address bar). */
export async function createRoom(
  page: Page,
  options: { name: string; kind?: 'group' | 'public'; password?: string; lobby?: boolean },
): Promise<string> {
  await page.getByRole('button', { name: 'New room' }).click()
  const dialog = page.getByRole('dialog', { name: 'Create a room' })
  if (options.kind === 'public') await dialog.getByLabel('Public (anyone with the link, guests too)').check()
  await dialog.getByLabel('Name', { exact: true }).fill(options.name)
  if (options.password) await dialog.getByLabel('Password for guests (optional)').fill(options.password)
  if (options.lobby) await dialog.getByRole('switch').click()
  await dialog.getByRole('button', { name: 'Create' }).click()
  await page.getByRole('heading', { name: options.name, level: 1 }).waitFor()
  return decodeURIComponent(new URL(page.url()).pathname.split('/')[2] ?? '')
}

/** Signs in and opens a public room by its link. */
export async function signInAndJoin(
  page: Page,
  origin: string,
  user: string,
  password: string,
  roomId: string,
  roomName: string,
) {
  await signIn(page, user, password)
  await page.goto(`${origin}/join/${encodeURIComponent(roomId)}`)
  await page.getByRole('heading', { name: roomName, level: 1 }).waitFor()
}

/** Whether some remote tile's <video> has decoded frames (not only that a track arrived). */
export async function waitForRemoteVideo(page: Page, timeout = 30_000): Promise<void> {
  type Video = { videoWidth: number; getVideoPlaybackQuality(): { totalVideoFrames: number } }
  type Doc = { querySelectorAll(selector: string): Iterable<Video> }
  // A function, not a string: the page's Content-Security-Policy forbids eval.
  await page.waitForFunction(
    () =>
      [
        ...(globalThis as unknown as { document: Doc }).document.querySelectorAll(
          'figure.video-tile:not([data-local]) video',
        ),
      ].some((v) => v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0),
    undefined,
    { timeout, polling: 200 },
  )
}
