/**
 * Member side: the participants of a room hosted elsewhere, as its host knows them (remote ones
 * included, with their roles), for the ordinary participants API. The host's answer is checked
 * entry by entry against the protocol's ParticipantView (anything else is dropped and logged);
 * our own users, named there by their actor URLs, get their local ids, as everywhere else here.
 * Unreachable host: null, and the caller shows what this instance knows (its local members).
 */
import Value from 'typebox/value'
import { ParticipantView } from '@parley/protocol'
import type { RoomHostLink } from '@parley/federation'
import type { Store } from '../store/ports.ts'
import type { Logger } from '../logger.ts'

export type HostedParticipantsDeps = {
  store: Store
  /** Asks hosts for their rooms' rosters (the federation core's link to hosts). */
  hosts: Pick<RoomHostLink, 'participants'>
  origin: string
  log?: Logger
}

export async function hostedParticipants(
  deps: HostedParticipantsDeps,
  /** A local user in the room: the host is asked as them. */
  userId: string,
  roomUri: string,
): Promise<ParticipantView[] | null> {
  const user = await deps.store.users.byId(userId)
  if (!user) return null
  const answer = await deps.hosts.participants(user.username, roomUri)
  if (answer.type !== 'ok') {
    deps.log?.info(
      { roomUri, outcome: answer.type, ...(answer.type === 'refused' ? { code: answer.code } : {}) },
      "room's participants not had from its host: local members shown",
    )
    return null
  }
  const own = `${new URL(deps.origin).origin}/users/`
  const views: ParticipantView[] = []
  let dropped = 0
  for (const entry of answer.participants) {
    if (!Value.Check(ParticipantView, entry)) {
      dropped++
      continue
    }
    const view = entry as ParticipantView
    if (view.actorType === 'user' && view.actorId.startsWith(own)) {
      const local = await deps.store.users.byUsername(decodeURIComponent(view.actorId.slice(own.length)))
      if (local) view.actorId = local.id
    }
    views.push(view)
  }
  if (dropped > 0) deps.log?.warn({ roomUri, dropped }, "host's participants that match no ParticipantView dropped")
  return views
}
