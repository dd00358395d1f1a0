/**
 * The room settings form's state as the fields this person changed, each with the value it had
 * when they started changing it. The fields they did not touch show the room's live value (another
 * moderator's change appears in the form), and Save sends only what this person changed from where
 * it started — never the form's copy of a field someone else changed meanwhile.
 */
// The SDK's main entry, not /browser: this module's unit test is typechecked without the DOM.
import type { RoomUpdate, RoomView } from '@parley/client'

/** What the form edits (the password is write-only and handled on its own). */
export type SettingsFields = Pick<
  RoomView,
  'name' | 'description' | 'lobby' | 'listable' | 'readOnly' | 'messageExpirySeconds'
>

export type SettingsEdits = { [K in keyof SettingsFields]?: { from: SettingsFields[K]; to: SettingsFields[K] } }

export function settingsOf(room: RoomView): SettingsFields {
  return {
    name: room.name,
    description: room.description,
    lobby: room.lobby,
    listable: room.listable,
    readOnly: room.readOnly,
    messageExpirySeconds: room.messageExpirySeconds,
  }
}

/** The edits after this person sets `field` to `to`; where it started stays what it was on the first change. */
export function withEdit<K extends keyof SettingsFields>(
  edits: SettingsEdits,
  live: SettingsFields,
  field: K,
  to: SettingsFields[K],
): SettingsEdits {
  const started = edits[field]
  return { ...edits, [field]: { from: started ? started.from : live[field], to } }
}

/** What the form shows: this person's value where they changed the field, the room's live value elsewhere. */
export function shownSettings(edits: SettingsEdits, live: SettingsFields): SettingsFields {
  const shown = { ...live }
  for (const key of Object.keys(edits) as (keyof SettingsFields)[]) {
    const edit = edits[key]
    if (edit) Object.assign(shown, { [key]: edit.to })
  }
  return shown
}

/** What Save sends: the fields whose value this person changed from where it started (empty: nothing). */
export function settingsUpdate(edits: SettingsEdits): RoomUpdate {
  const update: RoomUpdate = {}
  for (const key of Object.keys(edits) as (keyof SettingsFields)[]) {
    const edit = edits[key]
    if (edit && edit.to !== edit.from) Object.assign(update, { [key]: edit.to })
  }
  return update
}
