/**
 * The file a message shares, as the attachment its note carries to other servers: the file's and
 * its thumbnail's capability URLs (valid for `filesLinkTtlHours`), never a session of ours.
 */
import type { FileAttachment } from '@parley/federation'
import type { MessageView } from '@parley/protocol'
import type { CapabilitySigner } from './capability.ts'

export async function attachmentsOf(
  message: Pick<MessageView, 'file'>,
  links: CapabilitySigner,
  ttlMs: number,
): Promise<FileAttachment[]> {
  const file = message.file
  if (!file) return []
  return [
    {
      url: await links.url(file.id, 'original', ttlMs),
      mediaType: file.mediaType,
      name: file.name,
      width: file.width,
      height: file.height,
      thumbnail: file.thumbnail
        ? {
            url: await links.url(file.id, 'thumbnail', ttlMs),
            mediaType: file.thumbnail.mediaType,
            width: file.thumbnail.width,
            height: file.thumbnail.height,
          }
        : null,
    },
  ]
}
