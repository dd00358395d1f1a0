/**
 * Text that is not valid UTF-8 is refused (`invalid-utf8`, `url-invalid`) instead of being decoded
 * with replacement characters: a silently changed name or message is worse than a clear refusal.
 * So is a JSON string holding an unpaired surrogate escape, which no UTF-8 can carry.
 * JSON bodies keep Fastify's own parser (prototype-poisoning checks included) after the check.
 */
import { isUtf8 } from 'node:buffer'
import type { FastifyInstance } from 'fastify'
import { ApiError } from './api-error.ts'
import { wellFormedJson } from '../validation/well-formed.ts'

export function installStrictInput(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer
    if (!isUtf8(bytes)) return done(new ApiError('invalid-utf8', undefined, { in: 'body' }), undefined)
    parseJson(request, bytes.toString('utf8'), (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined)
      if (!wellFormedJson(value)) return done(new ApiError('invalid-utf8', undefined, { in: 'body' }), undefined)
      done(null, value)
    })
  })
  // The query parser turns a bad escape into U+FFFD; decoding strictly first catches it.
  app.addHook('onRequest', async (request) => {
    const at = request.url.indexOf('?')
    if (at < 0) return
    try {
      decodeURIComponent(request.url.slice(at + 1).replaceAll('+', ' '))
    } catch {
      throw new ApiError('url-invalid', undefined, { in: 'querystring' })
    }
  })
}
