/**
 * Serves the built web client (web/dist) at /: hashed files under /assets/ cached for a year
 * (their names change with their content), index.html never cached and sent with a strict
 * Content-Security-Policy — scripts only from this origin, no inline script, <style> elements only
 * with the nonce made for this response (written into the page's meta tag for the UI library), no
 * framing. Every path of the client's router answers with index.html; /api and the federation
 * paths are untouched. Without a build, / explains how to make one instead of failing silently.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'
import fastifyStatic from '@fastify/static'
import { SERVES_PAGE } from './auth.ts'

export type WebClientOptions = { dir: string }

/** Paths of the web client's router (web/src/router.ts). */
const CLIENT_PATHS = ['/', '/r/*', '/join/*', '/settings', '/invitations', '/search', '/agenda']
const NONCE_PLACEHOLDER = '__CSP_NONCE__'

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    // End-to-end encrypted calls encrypt frames in a worker the SDK makes from a Blob URL.
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

export async function installWebClient(app: FastifyInstance, options: WebClientOptions): Promise<void> {
  if (options.dir === '') return
  const dir = resolve(options.dir)
  const assets = join(dir, 'assets')
  // index.html is read once per change of the file (a rebuild replaces it), not per request.
  let cached: { mtimeMs: number; html: string } | null = null
  const indexHtml = (): string | null => {
    const file = join(dir, 'index.html')
    if (!existsSync(file)) return null
    const { mtimeMs } = statSync(file)
    if (cached?.mtimeMs !== mtimeMs) cached = { mtimeMs, html: readFileSync(file, 'utf8') }
    return cached.html
  }

  // Registered in a scope of its own so its routes can be marked as pages (the cookie is not read).
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object | undefined), ...SERVES_PAGE } as typeof route.config
    })
    await scope.register(fastifyStatic, {
      root: existsSync(assets) ? assets : dir,
      prefix: '/assets/',
      decorateReply: false,
      wildcard: true,
      index: false,
      dotfiles: 'deny',
      cacheControl: true,
      maxAge: '365d',
      immutable: true,
      // web/scripts/build.ts writes .br and .gz copies; the one the browser accepts is sent.
      preCompressed: true,
      // A missing asset is a 404 like any other route (the old index.html may ask for a gone hash).
      allowedPath: () => existsSync(assets),
    })
  })

  const sendIndex = (reply: FastifyReply) => {
    const html = indexHtml()
    const nonce = randomBytes(16).toString('base64')
    reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', contentSecurityPolicy(nonce))
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('permissions-policy', 'camera=(self), microphone=(self), display-capture=(self), geolocation=()')
      .type('text/html; charset=utf-8')
    if (html === null)
      return reply
        .code(503)
        .send(
          '<!doctype html><title>Parley</title><p>The web client is not built. Run <code>npm start</code> (it builds it) or <code>npm run build:web</code>.</p>',
        )
    return reply.send(html.replaceAll(NONCE_PLACEHOLDER, nonce))
  }
  for (const path of CLIENT_PATHS)
    app.get(path, { schema: { hide: true }, config: SERVES_PAGE }, (_request, reply) => sendIndex(reply))

  // The service worker (web/public/sw.js): at the root so its scope is the whole client; never cached
  // for long, so a new version reaches browsers (they also check it themselves at least daily).
  app.get('/sw.js', { schema: { hide: true }, config: SERVES_PAGE }, (_request, reply) => {
    const file = join(dir, 'sw.js')
    if (!existsSync(file)) return reply.code(404).send()
    return reply
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .type('text/javascript; charset=utf-8')
      .send(readFileSync(file))
  })

  app.get('/favicon.svg', { schema: { hide: true }, config: SERVES_PAGE }, (_request, reply) => {
    const file = join(dir, 'favicon.svg')
    if (!existsSync(file)) return reply.code(404).send()
    return reply.header('cache-control', 'public, max-age=86400').type('image/svg+xml').send(readFileSync(file))
  })
}
