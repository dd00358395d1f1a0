/**
 * The one Fedify `Federation` serves every local actor under one actor path, `/{+identifier}`:
 * the identifier carries the kind of actor, so `/users/{name}` and `/rooms/{id}` keep their URLs and
 * the instance actor sits at `/actor`. This module builds and reads those identifiers; nothing else
 * knows their shape.
 */

/** The instance's own Application actor (signs server-to-server requests, e.g. call channels). */
export const INSTANCE_IDENTIFIER = 'actor'

export type ActorIdentifier =
  { kind: 'user'; username: string } | { kind: 'room'; roomId: string } | { kind: 'instance' }

/** A local user's identifier (`users/{username}`). */
export function userIdentifier(username: string): string {
  return `users/${username}`
}

/** A local room's identifier (`rooms/{roomId}`). */
export function roomIdentifier(roomId: string): string {
  return `rooms/${roomId}`
}

const SEGMENT = /^(users|rooms)\/([^/]+)$/

/** What an identifier names; null for anything that is not one of ours (e.g. `/users/a/b`). */
export function parseIdentifier(identifier: string | null | undefined): ActorIdentifier | null {
  if (identifier === INSTANCE_IDENTIFIER) return { kind: 'instance' }
  const match = SEGMENT.exec(identifier ?? '')
  if (!match) return null
  const [, kind, name] = match as unknown as [string, 'users' | 'rooms', string]
  return kind === 'users' ? { kind: 'user', username: name } : { kind: 'room', roomId: name }
}

/** The username an identifier names, or null when it names something else. */
export function usernameOf(identifier: string | null | undefined): string | null {
  const parsed = parseIdentifier(identifier)
  return parsed?.kind === 'user' ? parsed.username : null
}

/** The room id an identifier names, or null when it names something else. */
export function roomIdOf(identifier: string | null | undefined): string | null {
  const parsed = parseIdentifier(identifier)
  return parsed?.kind === 'room' ? parsed.roomId : null
}
