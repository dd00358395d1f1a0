import { useTranslation } from 'react-i18next'
import { useAction } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'

/**
 * What someone waiting in a room's lobby sees instead of its chat: the server shows them nothing
 * of the room until a moderator admits them, and the page turns into the room by itself then
 * (`room.added` on the realtime connection), so it only asks them to keep it open. They may stop
 * waiting (the server lets someone in the lobby leave): `onLeave` leaves the room, then goes on.
 */
export function LobbyWait({ onLeave }: { onLeave: () => Promise<void> }) {
  const { t } = useTranslation()
  const { busy, problem, run } = useAction()
  return (
    <div className="lobby-wait">
      <p role="status" className="lobby-status">
        <span className="spinner" aria-hidden="true" /> {t('guest.lobby')}
      </p>
      <p className="muted">{t('guest.lobbyHint')}</p>
      <ProblemNote problem={problem} />
      <button type="button" disabled={busy} onClick={() => void run(onLeave)}>
        {t('leaving.stopWaiting')}
      </button>
    </div>
  )
}
