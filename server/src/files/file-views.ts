/**
 * A file message keeps what it shares in its `data.file` (id, name, type, size, dimensions): the
 * message and its events then describe the file without another lookup, and a deleted message
 * (whose data is cleared) no longer shows it. Views add this instance's paths to it.
 */
import type { FileView } from '@parley/protocol'
import type { FileRecord } from '../store/file-records.ts'
import { isInline } from './media-types.ts'

/** What a message's `data.file` holds. */
export type FileSnapshot = {
  id: string
  name: string
  mediaType: string
  size: number
  width: number | null
  height: number | null
  thumbnail: { width: number; height: number } | null
}

export function fileSnapshot(file: FileRecord): FileSnapshot {
  return {
    id: file.id,
    name: file.name,
    mediaType: file.mediaType,
    size: file.size,
    width: file.width,
    height: file.height,
    thumbnail: file.thumbnail ? { width: file.thumbnail.width, height: file.thumbnail.height } : null,
  }
}

/** The snapshot in a message's data, when it is one. */
export function snapshotOf(data: Record<string, unknown> | null): FileSnapshot | null {
  const file = data?.file as Partial<FileSnapshot> | undefined
  if (!file || typeof file.id !== 'string' || typeof file.name !== 'string' || typeof file.mediaType !== 'string')
    return null
  if (typeof file.size !== 'number') return null
  return {
    id: file.id,
    name: file.name,
    mediaType: file.mediaType,
    size: file.size,
    width: typeof file.width === 'number' ? file.width : null,
    height: typeof file.height === 'number' ? file.height : null,
    thumbnail:
      file.thumbnail && typeof file.thumbnail.width === 'number' && typeof file.thumbnail.height === 'number'
        ? { width: file.thumbnail.width, height: file.thumbnail.height }
        : null,
  }
}

/** Where this instance serves a room's file (`base`: the room's files path). */
export function filesPath(roomId: string): string {
  return `/api/v1/rooms/${encodeURIComponent(roomId)}/files`
}

export function fileView(snapshot: FileSnapshot, base: string): FileView {
  const url = `${base}/${encodeURIComponent(snapshot.id)}`
  return {
    id: snapshot.id,
    name: snapshot.name,
    mediaType: snapshot.mediaType,
    size: snapshot.size,
    width: snapshot.width,
    height: snapshot.height,
    url,
    thumbnail: snapshot.thumbnail ? { url: `${url}/thumbnail`, mediaType: 'image/webp', ...snapshot.thumbnail } : null,
    inline: isInline(snapshot.mediaType),
  }
}
