import Type, { type Static } from 'typebox'

/** Opaque immutable identifier; everything references ids, never usernames. */
export const Id = Type.String({ minLength: 1, maxLength: 64, description: 'Opaque immutable id' })
export type Id = Static<typeof Id>

/**
 * The room a call frame is about: a local room's id, or, for a room hosted on another instance
 * that the member's instance knows only by its replica, the room's actor id on its host (a URL,
 * longer than an Id). See spec/cascade.md.
 */
export const CallRoomId = Type.String({
  minLength: 1,
  maxLength: 512,
  description: "A room's id, or the actor id of a room hosted on another instance",
})
export type CallRoomId = Static<typeof CallRoomId>

export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 timestamp (UTC)' })
export type Timestamp = Static<typeof Timestamp>

/**
 * Usernames: lowercase ASCII letters, digits, `_`, `.` and `-`, starting with a letter or digit.
 * Kept to what ActivityPub handles (`@name@host`) and URLs take without escaping.
 */
export const Username = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: '^[a-z0-9][a-z0-9_.-]*$',
  description: 'Lowercase letters, digits, "_", "." and "-"; immutable once created',
})
export type Username = Static<typeof Username>

/**
 * Not blank, no control characters (C0, DEL, C1). Linear to check: one anchored lookahead, no nested
 * repetition. Validation messages describe it in words (server/src/validation/readable-issues.ts).
 */
export const VISIBLE_TEXT_PATTERN = '^(?!\\s*$)[^\\u0000-\\u001f\\u007f-\\u009f]*$'

/** A person's name as others see it (users, guests): shown to everyone, so visible text only. */
export const DisplayName = Type.String({ minLength: 1, maxLength: 100, pattern: VISIBLE_TEXT_PATTERN })
export type DisplayName = Static<typeof DisplayName>

export const Password = Type.String({ minLength: 10, maxLength: 1024, description: 'At least 10 characters' })
export type Password = Static<typeof Password>
