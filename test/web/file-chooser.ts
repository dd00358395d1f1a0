/**
 * Files picked through the browser's own file chooser, as a person picks them, and file contents
 * for such tests.
 *
 * Why not `page.waitForEvent('filechooser')`: Playwright intercepts Chromium's chooser only while
 * something listens for the event, and it switches the interception on without waiting for it (a
 * fire-and-forget protocol call), every time the first listener is added. The wait therefore raced
 * with the click or key press that opens the chooser; on CI's busy machine the press won, the chooser
 * opened unintercepted and no event ever came. Here every page listens from when it opens
 * (`openPerson`), so the interception is in place long before a test presses anything.
 */
import type { FileChooser, Page } from 'playwright-core'

type Choosers = { opened: FileChooser[]; waiting: ((chooser: FileChooser) => void)[] }
const choosers = new WeakMap<Page, Choosers>()

/** Starts intercepting the page's file choosers for `pickFiles`; called once, when the page opens. */
export function interceptFileChoosers(page: Page): void {
  const queue: Choosers = { opened: [], waiting: [] }
  choosers.set(page, queue)
  page.on('filechooser', (chooser) => {
    const waiter = queue.waiting.shift()
    if (waiter) waiter(chooser)
    else queue.opened.push(chooser)
  })
}

export type PickedFile = { name: string; mimeType: string; buffer: Buffer }

/** Opens the chooser with `open` (a click, a key press) and picks `file` in it. */
export async function pickFiles(page: Page, open: () => Promise<void>, file: PickedFile): Promise<void> {
  const queue = choosers.get(page)
  if (!queue) throw new Error('this page does not intercept file choosers: open it with openPerson')
  queue.opened.length = 0
  const chooser = new Promise<FileChooser>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no file chooser opened within 30 s')), 30_000)
    queue.waiting.push((opened) => {
      clearTimeout(timer)
      resolve(opened)
    })
  })
  await open()
  await (await chooser).setFiles(file)
}

/** Bytes that no compressor or sniffer mistakes for anything but data (xorshift32). */
export function noise(size: number): Buffer {
  const out = Buffer.alloc(size)
  let x = 2463534242
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}
