import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { DocumentLoader } from '@fedify/fedify'
import { Activity, Create, Mention, Note } from '@fedify/fedify/vocab'
import { readCompactActivity } from './compact-reader.ts'
import { mastodonDirectNote as fixture, preloadedContextLoader } from '../test-support/mastodon-fixture.ts'

/** The interop fixture, filled in. */
const mastodonDirectNote = () => fixture('2026-12-04T12:30:15.123Z')

const contextLoader = preloadedContextLoader
const documentLoader: DocumentLoader = (url) => Promise.reject(new Error(`nothing is fetched: ${url}`))
const loaders = { documentLoader, contextLoader }
type Doc = ReturnType<typeof mastodonDirectNote>

/** Both readings as expanded JSON-LD: what the objects hold, whatever the class built them from. */
async function bothReadings(json: unknown) {
  const compact = readCompactActivity(structuredClone(json), loaders)
  assert.ok(compact, 'the compact reader reads this shape')
  const full = await Activity.fromJsonLd(structuredClone(json), loaders)
  const expand = (activity: Activity) => activity.toJsonLd({ format: 'expand', contextLoader })
  return { compact, full, compactJson: await expand(compact), fullJson: await expand(full) }
}

describe('the strict compact reader (a Create of a Note without JSON-LD expansion)', () => {
  it("reads Mastodon 4.3's direct message exactly as the full parse does", async () => {
    const { compact, compactJson, fullJson } = await bothReadings(mastodonDirectNote())
    assert.deepEqual(compactJson, fullJson)
    // What the inbox reads of it (create.ts), spelled out.
    assert.ok(compact instanceof Create)
    const note = await compact.getObject(loaders)
    assert.ok(note instanceof Note)
    assert.equal(compact.actorId?.href, 'https://mastodon.example/users/alice')
    assert.deepEqual(
      compact.toIds.map((id) => id.href),
      ['https://parley.example/users/bob'],
    )
    assert.equal(note.attributionId?.href, 'https://mastodon.example/users/alice')
    assert.match(String(note.content), /Hi Bob, can we talk about the meeting\?/)
    assert.equal(note.published?.toString(), '2026-12-04T12:30:15.123Z')
    const tags = []
    for await (const tag of note.getTags(loaders)) tags.push(tag)
    assert.ok(tags[0] instanceof Mention)
  })

  it('reads the variants Mastodon sends alike (reply, content warning, several languages, hashtags, one addressee as a string)', async () => {
    const variants: ((json: Doc) => void)[] = [
      (json) => {
        json.object.inReplyTo = 'https://parley.example/users/bob/notes/7'
        json.object.inReplyToAtomUri = 'https://parley.example/users/bob/notes/7'
      },
      (json) => {
        json.object.sensitive = true
        json.object.summary = 'spoilers'
        json.object.updated = '2026-12-04T13:00:00Z'
      },
      (json) => {
        json.object.contentMap = { en: '<p>Hi</p>', 'de-AT': '<p>Servus</p>', fr: '<p>Salut</p>' }
      },
      (json) => {
        json['@context'][1].Hashtag = 'as:Hashtag'
        json.object.tag.push({ type: 'Hashtag', href: 'https://mastodon.example/tags/parley', name: '#parley' })
      },
      (json) => {
        json.to = 'https://parley.example/users/bob'
        json.object.to = 'https://parley.example/users/bob'
        json.published = '2026-12-04T13:00:00+01:00'
      },
      (json) => {
        json['@context'] = 'https://www.w3.org/ns/activitystreams'
      },
      (json) => {
        json['@context'].splice(1, 0, 'https://w3id.org/security/v1')
      },
    ]
    for (const change of variants) {
      const json = mastodonDirectNote()
      change(json)
      const { compactJson, fullJson } = await bothReadings(json)
      assert.deepEqual(compactJson, fullJson, JSON.stringify(json).slice(0, 200))
    }
  })

  it('leaves to the full parse every shape it does not read exactly (the gate then parses it in full)', () => {
    const refused: [string, (json: Doc) => void][] = [
      ['a context that redefines content', (json) => (json['@context'][1].content = 'http://evil.example/content')],
      ['a default vocabulary', (json) => (json['@context'][1]['@vocab'] = 'http://evil.example/')],
      ['a default language', (json) => (json['@context'][1]['@language'] = 'de')],
      ['a term unknown to the reader', (json) => (json['@context'][1].blurhash = 'toot:blurhash')],
      ['a Mastodon term defined otherwise', (json) => (json['@context'][1].sensitive = 'as:content')],
      ['another context document', (json) => json['@context'].push('https://w3id.org/security/data-integrity/v1')],
      ['ActivityStreams not first', (json) => json['@context'].reverse()],
      ['a type as an array', (json) => (json.object.type = ['Note'])],
      ['another object type', (json) => (json.object.type = 'Question')],
      ['another activity type', (json) => (json.type = 'Update')],
      ['an unknown key', (json) => (json.object.quoteUrl = 'https://mastodon.example/q')],
      ['a Linked Data signature', (json) => (json.signature = { type: 'RsaSignature2017' })],
      ['a relative id', (json) => (json.object.id = '/users/alice/statuses/1')],
      ['a non-http actor', (json) => (json.actor = 'did:key:z6Mk')],
      ['an object id (the note by reference)', (json) => (json.object = json.object.id)],
      ['an attachment', (json) => json.object.attachment.push({ type: 'Document', url: 'https://m.example/a.png' })],
      ['custom emoji', (json) => json.object.tag.push({ type: 'Emoji', name: ':x:', icon: {} })],
      ['a mention with more keys', (json) => (json.object.tag[0].id = 'https://x.example/')],
      [
        'a hashtag without its term',
        (json) => json.object.tag.push({ type: 'Hashtag', href: 'https://m/t', name: '#t' }),
      ],
      ['a date in another form', (json) => (json.published = '2026-12-04 12:00')],
      ['content that is not a string', (json) => (json.object.content = { '@value': 'x' })],
      [
        'an ostatus value that is an object',
        (json) => (json.object.conversation = { '@context': 'https://evil.example/' }),
      ],
      ['replies with items', (json) => json.object.replies.first.items.push('https://m.example/r/1')],
      ['a bcc', (json) => (json.bcc = ['https://parley.example/users/carol'])],
    ]
    assert.ok(readCompactActivity(mastodonDirectNote(), loaders), 'the unchanged fixture is read')
    for (const [what, change] of refused) {
      const json = mastodonDirectNote()
      change(json)
      assert.equal(readCompactActivity(json, loaders), undefined, what)
    }
    for (const json of [null, 42, 'Create', [], {}]) assert.equal(readCompactActivity(json, loaders), undefined)
  })
})
