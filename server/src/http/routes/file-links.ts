/**
 * Capability links: `GET /files/{fileId}/{original|thumbnail}?expires=…&signature=…`, how other
 * instances and Mastodon fetch a file shared with their people (capability.ts). No session is
 * looked at: the signed URL is the permission, for that one file, until it expires.
 */
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { ErrorBody, Id } from '@parley/protocol'
import type { FileService } from '../../files/file-service.ts'
import { unwrap } from '../api-error.ts'
import { serveFile } from '../file-serving.ts'

const LinkParams = Type.Object(
  { fileId: Id, variant: Type.Union([Type.Literal('original'), Type.Literal('thumbnail')]) },
  { additionalProperties: false },
)
const LinkQuery = Type.Object(
  {
    expires: Type.String({ maxLength: 12, description: 'Unix time (seconds) after which the link is refused' }),
    signature: Type.String({ maxLength: 64 }),
    download: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)

export function fileLinkRoutes(app: FastifyInstance, files: FileService): void {
  app.get(
    '/files/:fileId/:variant',
    {
      schema: {
        tags: ['files'],
        summary: 'A file (or its thumbnail) through a signed, expiring link (for other instances)',
        description:
          'capability-invalid: forged, altered or for another file; capability-expired: past its expiry. Ranges as for room downloads.',
        params: LinkParams,
        querystring: LinkQuery,
        response: { '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { fileId, variant } = request.params as { fileId: string; variant: string }
      const { expires, signature } = request.query as { expires: string; signature: string }
      const servable = unwrap(await files.openLink(fileId, variant, expires, signature))
      return serveFile(request, reply, files.blobs, servable, { crossOrigin: true, cacheControl: 'private, no-store' })
    },
  )
}
