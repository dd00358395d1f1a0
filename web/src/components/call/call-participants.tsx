import { useTranslation } from 'react-i18next'
import { Hand, MicOff, UserX } from 'lucide-react'
import type { CallParticipantView, RoomView } from '@parley/client/browser'
import { useObservable } from '../../data/observable.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { PersonAvatar } from '../common/person-avatar.tsx'
import { ProblemNote } from '../common/problem-note.tsx'

/** Who is in the call (muted, hand raised); moderators mute or remove, and admit people from the lobby. */
export function CallParticipants({
  room,
  participants,
  selfId,
  moderator,
  onModerate,
}: {
  room: RoomView
  participants: CallParticipantView[]
  selfId: string | null
  moderator: boolean
  onModerate: (action: 'mute' | 'remove', participantId: string) => void
}) {
  const { t } = useTranslation()
  const session = useSession()
  const timeline = session.timeline(room.id)
  const lobby = useObservable(timeline.state).participants.filter((p) => p.state === 'lobby')
  const { problem, run } = useAction()
  return (
    <aside className="call-panel" aria-label={t('call.participants')}>
      <h3>{t('call.participants')}</h3>
      <ul>
        {participants.map((p) => (
          <li key={p.participantId} className="call-person">
            <PersonAvatar actorId={p.actor.id} name={p.actor.name} size={28} />
            <span className="call-person-name">
              {p.participantId === selfId ? t('call.you', { name: p.actor.name }) : p.actor.name}
              {!p.media.audio && (
                <span className="status-icon" role="img" aria-label={t('call.muted')}>
                  <MicOff size={14} />
                </span>
              )}
              {p.handRaised && (
                <span className="status-icon hand" role="img" aria-label={t('call.handRaised')}>
                  <Hand size={14} />
                </span>
              )}
            </span>
            {moderator && p.participantId !== selfId && (
              <span className="row">
                {p.media.audio && (
                  <button
                    type="button"
                    className="icon-button"
                    onClick={() => onModerate('mute', p.participantId)}
                    aria-label={t('call.muteOther', { name: p.actor.name })}
                    data-tip={t('call.muteOther', { name: p.actor.name })}
                  >
                    <MicOff size={16} />
                  </button>
                )}
                <button
                  type="button"
                  className="icon-button"
                  onClick={() => onModerate('remove', p.participantId)}
                  aria-label={t('call.removeOther', { name: p.actor.name })}
                  data-tip={t('call.removeOther', { name: p.actor.name })}
                >
                  <UserX size={16} />
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
      {moderator && lobby.length > 0 && (
        <>
          <h3>{t('call.lobby')}</h3>
          <ul>
            {lobby.map((p) => (
              <li key={p.actorId} className="row spread">
                <span>{p.displayName}</span>
                <button
                  type="button"
                  className="primary"
                  onClick={() =>
                    void run(() => session.parley.rest.admit(room.id, p.actorId)).then(() => timeline.reload())
                  }
                >
                  {t('room.admit')}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <ProblemNote problem={problem} />
    </aside>
  )
}
