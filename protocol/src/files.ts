/**
 * Files shared in rooms: what a file message carries, the room's list of shared files, and the
 * upload replies. A file is uploaded with `POST /api/v1/rooms/{roomId}/files` (multipart, one
 * file) or resumably through the tus endpoints under `/api/v1/rooms/{roomId}/uploads`; either way
 * it becomes a chat message of kind `file` whose `file` field is a `FileView`.
 */
import Type, { type Static } from 'typebox'
import { Id, Timestamp } from './common.ts'

/** Longest file name, in UTF-8 bytes (what most file systems allow). */
export const MAX_FILE_NAME_BYTES = 255

export const FileThumbnail = Type.Object(
  {
    url: Type.String({ description: 'Path of the thumbnail on this instance (same authorisation as the file)' }),
    mediaType: Type.String({ description: 'Always image/webp' }),
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false, title: 'FileThumbnail' },
)
export type FileThumbnail = Static<typeof FileThumbnail>

export const FileView = Type.Object(
  {
    id: Id,
    name: Type.String({ description: 'As uploaded: no path separators or control characters' }),
    mediaType: Type.String({ description: 'Detected from the content; a declared type that disagrees is refused' }),
    size: Type.Integer({ minimum: 0, description: 'Bytes' }),
    width: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'Images: pixels' }),
    height: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    url: Type.String({ description: 'Path of the download on this instance (room participants and guests)' }),
    thumbnail: Type.Union([FileThumbnail, Type.Null()], { description: 'Images: a small WebP preview' }),
    inline: Type.Boolean({
      description: 'Whether the download may be shown in the page (raster images, audio, video, PDF, plain text)',
    }),
  },
  { additionalProperties: false, title: 'FileView' },
)
export type FileView = Static<typeof FileView>

/** A shared file in the room's list: the file and the message that shared it. */
export const SharedFileView = Type.Object(
  {
    file: FileView,
    seq: Type.Integer({ minimum: 1, description: 'The file message' }),
    sharedBy: Type.Object({ id: Type.String(), name: Type.String() }, { additionalProperties: false }),
    sharedAt: Timestamp,
  },
  { additionalProperties: false, title: 'SharedFileView' },
)
export type SharedFileView = Static<typeof SharedFileView>

export const SharedFileList = Type.Object(
  {
    files: Type.Array(SharedFileView, { description: 'Newest first' }),
    hasMore: Type.Boolean({ description: 'Older ones exist: ask with before=<last seq>' }),
  },
  { additionalProperties: false, title: 'SharedFileList' },
)
export type SharedFileList = Static<typeof SharedFileList>

export const SharedFileQuery = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'Only files shared by messages before this seq' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false, title: 'SharedFileQuery' },
)
export type SharedFileQuery = Static<typeof SharedFileQuery>

export const FileParams = Type.Object({ roomId: Id, fileId: Id }, { additionalProperties: false })
export type FileParams = Static<typeof FileParams>

export const FileQuota = Type.Object(
  {
    usedBytes: Type.Integer({ minimum: 0 }),
    quotaBytes: Type.Integer({ minimum: 0, description: 'What one person may keep shared on this instance' }),
    maxFileBytes: Type.Integer({ minimum: 0, description: 'Largest single file' }),
  },
  { additionalProperties: false, title: 'FileQuota' },
)
export type FileQuota = Static<typeof FileQuota>
