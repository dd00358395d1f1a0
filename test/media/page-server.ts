/** Serves the media test page on 127.0.0.1 (a secure context, so getUserMedia works). */
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'

const PAGE_DIR = join(import.meta.dirname, 'page')
const FILES: Record<string, string> = { '/': 'index.html', '/call-page.js': 'call-page.js' }
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8' }

export type PageServer = { url: string; close: () => Promise<void> }

export async function startPageServer(): Promise<PageServer> {
  const server: Server = createServer((request, response) => {
    const file = FILES[new URL(request.url ?? '/', 'http://x').pathname]
    if (!file) {
      response.writeHead(404).end()
      return
    }
    readFile(join(PAGE_DIR, file)).then(
      (body) => response.writeHead(200, { 'content-type': TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream' }).end(body),
      () => response.writeHead(500).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
