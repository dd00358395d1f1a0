import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import type { AvailabilityState } from '@parley/client/browser'
import { useObservable } from '../../data/observable.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { PresenceNote } from '../common/presence-note.tsx'
import { ProblemNote } from '../common/problem-note.tsx'

const AVAILABILITY: AvailabilityState[] = ['online', 'away', 'dnd']
/** How long a status lasts, in seconds (0: until changed). */
const DURATIONS = [0, 1800, 3600, 4 * 3600, 86400] as const
const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** My status as the people in my rooms see it: online, away, do not disturb, a message, an end. */
export function StatusCard() {
  const { t } = useTranslation()
  const session = useSession()
  const mine = useObservable(session.presence.mine)
  const { busy, problem, run } = useAction()
  const [availability, setAvailability] = useState<AvailabilityState>(mine?.availability ?? 'online')
  const [message, setMessage] = useState(mine?.message ?? '')
  const [duration, setDuration] = useState<number>(0)
  if (!session.isUser) return null
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const status = await run(() =>
      session.parley.account.setStatus({
        availability,
        message: message.trim() ? message.trim() : null,
        expiresInSeconds: duration > 0 ? duration : null,
      }),
    )
    if (status) session.presence.mine.set(status)
  }
  return (
    <form className="form card" onSubmit={submit} aria-labelledby="status-title">
      <h2 id="status-title">{t('settings.status')}</h2>
      <p>
        {t('settings.statusNow')}
        <PresenceNote presence={{ online: true, status: mine }} />
        {mine?.expiresAt && (
          <span className="muted"> · {t('settings.statusUntil', { date: when.format(new Date(mine.expiresAt)) })}</span>
        )}
      </p>
      <label>
        {t('settings.availability')}
        <select value={availability} onChange={(e) => setAvailability(e.target.value as AvailabilityState)}>
          {AVAILABILITY.map((a) => (
            <option key={a} value={a}>
              {t(`presence.${a}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('settings.statusMessage')}
        <input maxLength={200} value={message} onChange={(e) => setMessage(e.target.value)} />
      </label>
      <label>
        {t('settings.statusFor')}
        <select value={duration} onChange={(e) => setDuration(Number(e.target.value))}>
          {DURATIONS.map((d) => (
            <option key={d} value={d}>
              {d === 0 ? t('settings.statusForever') : t('settings.statusMinutes', { count: d / 60 })}
            </option>
          ))}
        </select>
      </label>
      <ProblemNote problem={problem} />
      <div className="row end">
        <button type="submit" className="primary" disabled={busy}>
          {t('settings.statusSet')}
        </button>
      </div>
    </form>
  )
}
