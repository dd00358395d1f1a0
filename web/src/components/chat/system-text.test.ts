/**
 * systemText() in both languages of the UI: every system event the server posts
 * (server/src/rooms/room-service.ts) reads as a sentence naming who did what to whom, from the
 * message's data; missing data and events this client does not know still read sensibly.
 */
import { before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import i18next, { type TFunction } from 'i18next'
import type { MessageView, SystemEvent } from '@parley/client'
import { en } from '../../i18n/en.ts'
import { de } from '../../i18n/de.ts'
import { systemText } from './system-text.ts'

const alice = { type: 'user', id: 'u-alice', name: 'Alice' } as const
const system = (
  body: string,
  data: Record<string, unknown> | null = {},
): Pick<MessageView, 'body' | 'data' | 'actor'> => ({
  body,
  data,
  actor: alice,
})
/** What the server stores with each event (room-service.ts); the type asks for every SystemEvent. */
const DATA: Record<SystemEvent, Record<string, unknown>> = {
  joined: {},
  left: {},
  added: { actorId: 'u-bob', name: 'Bob' },
  removed: { actorId: 'u-bob', name: 'Bob' },
  banned: { actorId: 'u-bob', name: 'Bob' },
  unbanned: { actorId: 'u-bob', name: 'Bob' },
  'owner-changed': { actorId: 'u-bob', name: 'Bob' },
  renamed: { from: 'Club', to: 'Book club' },
}
const EVENTS = Object.entries(DATA).map(([event, data]) => system(event, data))

describe('systemText()', () => {
  const t: Record<'en' | 'de', TFunction> = {} as never
  before(async () => {
    for (const lng of ['en', 'de'] as const) {
      const i18n = i18next.createInstance()
      await i18n.init({
        lng,
        resources: { en: { translation: en }, de: { translation: de } },
        interpolation: { escapeValue: false },
      })
      t[lng] = i18n.t
    }
  })

  it('says who did what to whom for every event the server posts, in English', () => {
    assert.deepEqual(
      EVENTS.map((m) => systemText(t.en, m)),
      [
        'Alice joined',
        'Alice left',
        'Alice added Bob',
        'Alice removed Bob',
        'Alice banned Bob',
        'Alice lifted the ban on Bob',
        'Alice handed the room over to Bob',
        'Alice renamed the room to “Book club”',
      ],
    )
  })

  it('says the same in German', () => {
    assert.deepEqual(
      EVENTS.map((m) => systemText(t.de, m)),
      [
        'Alice ist beigetreten',
        'Alice hat den Raum verlassen',
        'Alice hat Bob hinzugefügt',
        'Alice hat Bob entfernt',
        'Alice hat Bob gesperrt',
        'Alice hat die Sperre für Bob aufgehoben',
        'Alice hat den Raum an Bob übergeben',
        'Alice hat den Raum in „Book club“ umbenannt',
      ],
    )
  })

  it('reads sensibly without the data, and for an event it does not know', () => {
    assert.equal(systemText(t.en, system('added', null)), 'Alice added someone')
    assert.equal(systemText(t.de, system('banned', { name: 42 })), 'Alice hat jemanden gesperrt')
    assert.equal(systemText(t.en, system('renamed', {})), 'Alice renamed the room')
    assert.equal(systemText(t.en, system('pinned', { seq: 3 })), 'Alice changed the room (pinned)')
    assert.equal(systemText(t.de, system('pinned')), 'Alice hat den Raum geändert (pinned)')
  })

  it('never reads as a bare event name (no "Alice: removed")', () => {
    for (const lng of ['en', 'de'] as const)
      for (const m of EVENTS) assert.doesNotMatch(systemText(t[lng], m), /: /, `${lng} ${m.body}`)
  })
})
