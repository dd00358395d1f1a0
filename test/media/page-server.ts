/**
 * Serves the media test pages on 127.0.0.1 (a secure context, so getUserMedia works): the raw
 * page (call-page.js, signalling driven by the test) and the SDK page (sdk-page.js), which loads
 * @parley/client bundled for the browser by esbuild at start-up and talks to Parley itself.
 */
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { build } from 'esbuild'

const PAGE_DIR = join(import.meta.dirname, 'page')
const SDK_ENTRY = join(import.meta.dirname, '..', '..', 'client-sdk', 'src', 'browser.ts')
/** `/` is the raw page; every other page and script of page/ is served under its own name. */
const fileOf = (path: string): string | undefined =>
  path === '/' ? 'index.html' : /^\/[a-z0-9-]+\.(html|js)$/.test(path) ? path.slice(1) : undefined
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8' }

export type PageServer = {
  url: string
  sdkUrl: string
  /** Another page of page/ (e.g. 'sdk-streams.html'). */
  page(name: string): string
  close: () => Promise<void>
}

/** @parley/client as one ES module for the browser (the SDK is TypeScript: esbuild strips the types). */
async function bundleSdk(): Promise<string> {
  const result = await build({
    entryPoints: [SDK_ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  })
  const output = result.outputFiles[0]
  if (!output) throw new Error('esbuild produced no bundle of @parley/client')
  return output.text
}

export async function startPageServer(): Promise<PageServer> {
  const sdk = await bundleSdk()
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    if (path === '/sdk.js') {
      response.writeHead(200, { 'content-type': TYPES.js }).end(sdk)
      return
    }
    const file = fileOf(path)
    if (!file) {
      response.writeHead(404).end()
      return
    }
    readFile(join(PAGE_DIR, file)).then(
      (body) =>
        response
          .writeHead(200, { 'content-type': TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream' })
          .end(body),
      () => response.writeHead(500).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}/`,
    sdkUrl: `http://127.0.0.1:${port}/sdk.html`,
    page: (name) => `http://127.0.0.1:${port}/${name}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
