/**
 * Files on notes, as ActivityPub attachments. Out: an `Image` (images) or `Document` (anything
 * else) with `mediaType`, `name` (the file name), `url` (a capability URL of the file's instance),
 * `width`/`height` for images, and the thumbnail as `icon` — the shape Mastodon's
 * MediaAttachmentSerializer sends and its MediaAttachmentParser reads (`url`, `mediaType`,
 * `name`/`summary` as the description, `icon` as the thumbnail). In: the same from any server,
 * `Video` and `Audio` too, with `url` as a URL or a Link; anything else in `attachment` (a
 * PropertyValue, a link preview) is not a file and is skipped. What arrives is only a claim: the
 * receiving server fetches the bytes through its guarded fetcher and decides their type itself.
 */
import { Audio, Document, Image, Link, Video, type Note } from '@fedify/fedify/vocab'

/** At most this many attachments of one note are taken (Mastodon allows four). */
export const MAX_ATTACHMENTS = 4

export type FileAttachment = {
  /** Where to fetch it: a capability URL (Parley) or the server's media URL (Mastodon). */
  url: string
  mediaType: string | null
  /** The file name (Parley) or the description (Mastodon's alt text); may be empty. */
  name: string
  width: number | null
  height: number | null
  thumbnail: { url: string; mediaType: string | null; width: number | null; height: number | null } | null
}

const httpUrl = (value: URL | Link | null | undefined): string | null => {
  const href = value instanceof Link ? value.href : value
  return href instanceof URL && (href.protocol === 'https:' || href.protocol === 'http:') ? href.href : null
}

const dimension = (value: number | null | undefined): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value < 1_000_000 ? value : null

/** The ActivityPub object of one attachment. */
export function attachmentObject(attachment: FileAttachment): Document {
  const values = {
    mediaType: attachment.mediaType,
    name: attachment.name,
    url: new URL(attachment.url),
    width: attachment.width,
    height: attachment.height,
    icon: attachment.thumbnail
      ? new Image({
          url: new URL(attachment.thumbnail.url),
          mediaType: attachment.thumbnail.mediaType,
          width: attachment.thumbnail.width,
          height: attachment.thumbnail.height,
        })
      : null,
  }
  return attachment.mediaType?.startsWith('image/') ? new Image(values) : new Document(values)
}

/** Embedded objects only: an attachment or icon given as a bare URL would be one more fetch, and no server sends that. */
const noFetch = {
  documentLoader: async (url: string): Promise<never> => {
    throw new Error(`not fetched: ${url}`)
  },
  suppressError: true,
} as const

/** The files a note carries (at most MAX_ATTACHMENTS), read leniently: bad entries are skipped. */
export async function noteAttachments(note: Note): Promise<FileAttachment[]> {
  const found: FileAttachment[] = []
  for await (const item of note.getAttachments(noFetch)) {
    if (found.length >= MAX_ATTACHMENTS) break
    if (!(item instanceof Document || item instanceof Image || item instanceof Video || item instanceof Audio)) continue
    const url = httpUrl(item.url)
    if (!url) continue
    let thumbnail: FileAttachment['thumbnail'] = null
    const icon = await item.getIcon(noFetch).catch(() => null)
    const iconUrl = icon ? httpUrl(icon.url) : null
    if (icon && iconUrl)
      thumbnail = {
        url: iconUrl,
        mediaType: icon.mediaType ?? null,
        width: dimension(icon.width),
        height: dimension(icon.height),
      }
    found.push({
      url,
      mediaType: item.mediaType ?? null,
      name: (item.name ?? item.summary)?.toString().slice(0, 1000) ?? '',
      width: dimension(item.width),
      height: dimension(item.height),
      thumbnail,
    })
  }
  return found
}
