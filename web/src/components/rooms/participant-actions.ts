/**
 * What a moderator can do to a participant, given the person's state and both roles: what the
 * server allows (server/src/rooms/policy.ts and room-service.ts), so the participants panel offers
 * nothing it would refuse. Someone banned can only be unbanned; someone waiting in the lobby can be
 * admitted, removed or banned, not promoted before they are in; only owners change roles; nobody
 * acts on an owner, and a moderator acts only on those below them.
 */
// The SDK's main entry, not /browser: this module's unit test is typechecked without the DOM.
import type { ParticipantRole, ParticipantView, RoomKind } from '@parley/client'

export type ParticipantAction = 'admit' | 'make-moderator' | 'make-member' | 'remove' | 'ban' | 'unban'

const rank: Record<ParticipantRole, number> = { guest: 0, member: 1, moderator: 2, owner: 3 }

export function participantActions(
  me: Pick<ParticipantView, 'actorId' | 'role' | 'state'> | undefined,
  p: Pick<ParticipantView, 'actorId' | 'actorType' | 'role' | 'state'>,
  kind: RoomKind,
): ParticipantAction[] {
  if (!me || me.state !== 'active' || rank[me.role] < rank.moderator || me.actorId === p.actorId) return []
  // A one-to-one room has no moderation: its two people own it.
  if (kind === 'one-to-one') return []
  if (p.state === 'banned') return ['unban']
  const below = p.role !== 'owner' && (me.role === 'owner' || rank[p.role] < rank[me.role])
  const removal: ParticipantAction[] = below ? ['remove', 'ban'] : []
  if (p.state === 'lobby') return ['admit', ...removal]
  const roles: ParticipantAction[] =
    me.role !== 'owner'
      ? []
      : p.role === 'member' && p.actorType === 'user'
        ? ['make-moderator']
        : p.role === 'moderator'
          ? ['make-member']
          : []
  return [...roles, ...removal]
}
