import { useTranslation } from 'react-i18next'

/**
 * What someone waiting in a room's lobby sees instead of its chat: the server shows them nothing
 * of the room until a moderator admits them, and the page turns into the room by itself then
 * (`room.added` on the realtime connection), so it only asks them to keep it open.
 */
export function LobbyWait() {
  const { t } = useTranslation()
  return (
    <div className="lobby-wait">
      <p role="status" className="lobby-status">
        <span className="spinner" aria-hidden="true" /> {t('guest.lobby')}
      </p>
      <p className="muted">{t('guest.lobbyHint')}</p>
    </div>
  )
}
