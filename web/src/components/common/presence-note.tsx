import { useTranslation } from 'react-i18next'
import type { Presence } from '../../data/presence.ts'

/** Online, away, do not disturb or offline, with the person's status message: a dot and words. */
export function PresenceNote({ presence }: { presence: Presence | null }) {
  const { t } = useTranslation()
  const availability = presence ? (presence.status?.availability ?? 'online') : 'offline'
  const message = presence?.status?.message
  return (
    <span className="presence" data-availability={availability}>
      {' '}
      <span className="presence-dot" data-availability={availability} aria-hidden="true" />{' '}
      <span className="muted">{t(`presence.${availability}`)}</span>
      {message && <span className="muted status-message"> · {message}</span>}
    </span>
  )
}
