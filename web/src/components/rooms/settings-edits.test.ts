/**
 * The room settings form keeps only what this person changed: untouched fields follow the room
 * live, and Save sends the changed fields alone, so another moderator's change made meanwhile stays.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { settingsUpdate, shownSettings, withEdit, type SettingsFields } from './settings-edits.ts'

const club: SettingsFields = {
  name: 'Club',
  description: 'orig desc',
  lobby: false,
  listable: 'none',
  readOnly: false,
  messageExpirySeconds: null,
}

describe('room settings edits', () => {
  it('sends only the field changed, while another moderator renamed the room meanwhile', () => {
    const edits = withEdit({}, club, 'readOnly', true)
    const renamed = { ...club, name: 'Club Renamed', description: 'new desc' }
    assert.deepEqual(shownSettings(edits, renamed), { ...renamed, readOnly: true }, 'the form shows the rename')
    assert.deepEqual(settingsUpdate(edits), { readOnly: true })
  })

  it('keeps where a field started across keystrokes, and sends nothing for a field changed back', () => {
    let edits = withEdit({}, club, 'name', 'Clu')
    edits = withEdit(edits, { ...club, name: 'Other' }, 'name', 'Club')
    assert.deepEqual(settingsUpdate(edits), {}, 'typed back to where it started')
    edits = withEdit(edits, club, 'name', 'Book club')
    assert.deepEqual(settingsUpdate(edits), { name: 'Book club' })
  })

  it('treats null as a value: expiry set from none is sent, even after someone else set one meanwhile', () => {
    let edits = withEdit({}, club, 'messageExpirySeconds', 3600)
    edits = withEdit(edits, { ...club, messageExpirySeconds: 86400 }, 'messageExpirySeconds', null)
    assert.deepEqual(edits.messageExpirySeconds, { from: null, to: null })
    assert.deepEqual(settingsUpdate(edits), {}, 'back to none, where it started')
    const daily = { ...club, messageExpirySeconds: 86400 }
    assert.deepEqual(settingsUpdate(withEdit({}, daily, 'messageExpirySeconds', null)), { messageExpirySeconds: null })
  })
})
