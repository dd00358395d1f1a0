import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Note } from '@fedify/fedify/vocab'
import { attachmentObject, noteAttachments, type FileAttachment } from './attachment-objects.ts'

const picture: FileAttachment = {
  url: 'https://a.example/files/f1/original?expires=1&signature=s',
  mediaType: 'image/png',
  name: 'plan.png',
  width: 640,
  height: 480,
  thumbnail: {
    url: 'https://a.example/files/f1/thumbnail?expires=1&signature=t',
    mediaType: 'image/webp',
    width: 320,
    height: 240,
  },
}
const document: FileAttachment = {
  url: 'https://a.example/files/f2/original?expires=1&signature=u',
  mediaType: 'application/pdf',
  name: 'minutes.pdf',
  width: null,
  height: null,
  thumbnail: null,
}

describe('attachments', () => {
  it('attachmentObject() writes what Mastodon reads (type, mediaType, url, name, size in pixels, icon) and noteAttachments() reads it back', async () => {
    const note = new Note({
      id: new URL('https://a.example/n/1'),
      attachments: [attachmentObject(picture), attachmentObject(document)],
    })
    const json = (await note.toJsonLd({ format: 'compact' })) as { attachment: Record<string, unknown>[] }
    assert.deepEqual(json.attachment[0], {
      type: 'Image',
      mediaType: 'image/png',
      name: 'plan.png',
      url: picture.url,
      width: 640,
      height: 480,
      icon: { type: 'Image', mediaType: 'image/webp', url: picture.thumbnail!.url, width: 320, height: 240 },
    })
    assert.equal(json.attachment[1]?.type, 'Document')
    const parsed = await Note.fromJsonLd(json)
    assert.deepEqual(await noteAttachments(parsed), [picture, document])
  })

  it("noteAttachments() reads Mastodon's media attachment and skips what is not a file", async () => {
    const fixture = readFileSync(
      new URL('../../../test/fixtures/mastodon/create-direct-note-media.json', import.meta.url),
      'utf8',
    )
      .replaceAll('{{MASTODON}}', 'https://m.example')
      .replaceAll('{{MASTODON_HOST}}', 'm.example')
      .replaceAll('{{PARLEY}}', 'https://p.example')
      .replaceAll('{{PARLEY_HOST}}', 'p.example')
      .replaceAll('{{ID}}', '1')
      .replaceAll('{{NOW}}', '2026-11-28T10:00:00Z')
      .replaceAll('{{MEDIA_URL}}', 'https://files.m.example/media/original/pic.png')
      .replaceAll('{{MEDIA_TYPE}}', 'image/png')
    const activity = JSON.parse(fixture) as { '@context': unknown; object: Record<string, unknown> }
    const object = {
      '@context': activity['@context'],
      ...activity.object,
      attachment: [
        ...(activity.object.attachment as unknown[]),
        { type: 'PropertyValue', name: 'not', value: 'a file' },
        { type: 'Document', mediaType: 'text/plain', url: 'ftp://m.example/x' },
      ],
    }
    const note = await Note.fromJsonLd(object)
    assert.deepEqual(await noteAttachments(note), [
      {
        url: 'https://files.m.example/media/original/pic.png',
        mediaType: 'image/png',
        name: 'Photo of the whiteboard',
        width: 640,
        height: 480,
        thumbnail: null,
      },
    ])
  })
})
