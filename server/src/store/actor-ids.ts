/**
 * Who a participant, author or reactor is, by the id the store keeps for it. Local users and guests
 * have opaque ids of ours (UUIDs); an account or room on another instance is named by its
 * ActivityPub actor id, an absolute http(s) URL. `RemoteActorId` is that second kind as a type of
 * its own: code that needs a remote actor takes one, and this module is the only place that tells
 * the two kinds apart (by parsing the id as a URL, not by a prefix of the string).
 */

/** An actor on another instance (a Person of a remote user, a Group of a room hosted elsewhere). */
export type RemoteActorId = string & { readonly __remoteActorId: true }

/** What a stored actor id names. */
export type ActorIdentity = { kind: 'local'; id: string } | { kind: 'remote'; id: RemoteActorId }

/** The id as a remote actor id (normalised by URL), or null when it is an id of ours. */
export function remoteActorId(id: string): RemoteActorId | null {
  if (!URL.canParse(id)) return null
  const url = new URL(id)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null
  return url.href as RemoteActorId
}

/** Whether a stored actor id names an actor on another instance. */
export function isRemoteActorId(id: string): id is RemoteActorId {
  return remoteActorId(id) !== null
}

/** A remote actor id the caller already knows to be one (programmer error otherwise). */
export function asRemoteActorId(id: string): RemoteActorId {
  const remote = remoteActorId(id)
  if (remote === null) throw new TypeError(`not a remote actor id: ${id}`)
  return remote
}

/** Tells a stored actor id's kind. */
export function actorIdentity(id: string): ActorIdentity {
  const remote = remoteActorId(id)
  return remote === null ? { kind: 'local', id } : { kind: 'remote', id: remote }
}
