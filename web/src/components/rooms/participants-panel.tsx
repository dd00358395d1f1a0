import * as Menu from '@radix-ui/react-dropdown-menu'
import { useEffect } from 'react'
import { useTranslation } from 'react-i18next'
import { Ellipsis } from 'lucide-react'
import type { ParticipantView, RoomView } from '@parley/client/browser'
import { useObservable } from '../../data/observable.ts'
import { navigate, paths } from '../../router.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { PersonAvatar } from '../common/person-avatar.tsx'
import { PresenceNote } from '../common/presence-note.tsx'
import { ProblemNote } from '../common/problem-note.tsx'
import { participantActions, type ParticipantAction } from './participant-actions.ts'

/** Who is in the room, with roles and states; moderators admit, promote, remove, ban and unban. */
export function ParticipantsPanel({ room, onNavigate }: { room: RoomView; onNavigate: () => void }) {
  const { t } = useTranslation()
  const session = useSession()
  const timeline = session.timeline(room.id)
  const { participants } = useObservable(timeline.state)
  const { problem, run } = useAction()
  const online = useObservable(session.presence.rooms).get(room.id)
  const myStatus = useObservable(session.presence.mine)
  useEffect(() => {
    void timeline.open()
    if (session.isUser) void session.avatars.loadRoom(room.id)
  }, [timeline, session, room.id])
  const me = participants.find((p) => p.actorId === session.actorId)
  const rest = session.parley.rest
  const order = { lobby: 0, active: 1, banned: 2 }
  const sorted = [...participants].sort(
    (a, b) => order[a.state] - order[b.state] || a.displayName.localeCompare(b.displayName),
  )
  const act = (action: () => Promise<unknown>) => void run(action).then(() => timeline.reload())
  return (
    <div>
      <ProblemNote problem={problem} />
      <ul className="participants">
        {sorted.map((p) => {
          const can = participantActions(me, p, room.kind)
          const canMessage =
            p.actorType === 'user' && p.actorId !== session.actorId && session.identity.get().kind === 'user'
          return (
            <li key={p.actorId} className="participant" data-state={p.state}>
              <PersonAvatar actorId={p.actorId} name={p.displayName} />
              <span className="participant-name">
                {p.displayName}
                <PresenceNote
                  presence={
                    p.actorId === session.actorId
                      ? { online: true, status: myStatus }
                      : (online?.get(p.actorId) ?? null)
                  }
                />
                <span className="muted">
                  {' '}
                  · {t(`room.roles.${p.role}`)}
                  {p.state !== 'active' && ` · ${t(`room.states.${p.state}`)}`}
                </span>
              </span>
              {can.includes('admit') && (
                <button type="button" className="primary" onClick={() => act(() => rest.admit(room.id, p.actorId))}>
                  {t('room.admit')}
                </button>
              )}
              {(canMessage || can.some((a) => a !== 'admit')) && (
                <ParticipantMenu
                  participant={p}
                  actions={can}
                  canMessage={canMessage}
                  onMessage={async () => {
                    const dm = await run(() => rest.oneToOne(p.actorId))
                    if (!dm) return
                    await session.rooms.add(dm.id)
                    onNavigate()
                    navigate(paths.room(dm.id))
                  }}
                  onRole={(role) => act(() => rest.updateParticipant(room.id, p.actorId, { role }))}
                  onRemove={() => act(() => rest.removeParticipant(room.id, p.actorId))}
                  onBan={() => act(() => rest.ban(room.id, p.actorId))}
                  onUnban={() => act(() => rest.unban(room.id, p.actorId))}
                />
              )}
            </li>
          )
        })}
      </ul>
    </div>
  )
}

/** Message the person, and what participantActions() allows a moderator (Admit is a button of its own). */
function ParticipantMenu({
  participant: p,
  actions,
  canMessage,
  onMessage,
  onRole,
  onRemove,
  onBan,
  onUnban,
}: {
  participant: ParticipantView
  actions: ParticipantAction[]
  canMessage: boolean
  onMessage: () => void
  onRole: (role: 'moderator' | 'member') => void
  onRemove: () => void
  onBan: () => void
  onUnban: () => void
}) {
  const { t } = useTranslation()
  const roles = actions.includes('make-moderator') || actions.includes('make-member')
  const removal = actions.includes('remove') || actions.includes('ban') || actions.includes('unban')
  return (
    <Menu.Root>
      <Menu.Trigger className="icon-button" aria-label={t('room.actionsFor', { name: p.displayName })}>
        <Ellipsis size={18} />
      </Menu.Trigger>
      <Menu.Portal>
        <Menu.Content className="menu" align="end">
          {canMessage && (
            <Menu.Item className="menu-item" onSelect={onMessage}>
              {t('room.message')}
            </Menu.Item>
          )}
          {actions.includes('make-moderator') && (
            <Menu.Item className="menu-item" onSelect={() => onRole('moderator')}>
              {t('room.makeModerator')}
            </Menu.Item>
          )}
          {actions.includes('make-member') && (
            <Menu.Item className="menu-item" onSelect={() => onRole('member')}>
              {t('room.makeMember')}
            </Menu.Item>
          )}
          {removal && (canMessage || roles) && <Menu.Separator className="menu-separator" />}
          {actions.includes('unban') && (
            <Menu.Item className="menu-item" onSelect={onUnban}>
              {t('room.unban')}
            </Menu.Item>
          )}
          {actions.includes('remove') && (
            <Menu.Item className="menu-item" onSelect={onRemove}>
              {t('room.remove')}
            </Menu.Item>
          )}
          {actions.includes('ban') && (
            <Menu.Item className="menu-item danger" onSelect={onBan}>
              {t('room.ban')}
            </Menu.Item>
          )}
        </Menu.Content>
      </Menu.Portal>
    </Menu.Root>
  )
}
