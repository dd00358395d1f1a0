/**
 * My agenda (issue 13: "participants see upcoming meetings … across their rooms"): the occurrences
 * of the next 30 days in all my rooms, by day in the browser's time zone, each with its room, my
 * answer and a way into the room; below, my agenda as an .ics file and my private calendar feed.
 */
import { useCallback, useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { CalendarDays } from 'lucide-react'
import type { OccurrenceView, RsvpResponse } from '@parley/client/browser'
import { paths } from '../../router.ts'
import { useObservable } from '../../data/observable.ts'
import type { RoomEntry } from '../../data/room-list.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { Link } from '../common/link.tsx'
import { ProblemNote } from '../common/problem-note.tsx'
import { CalendarFeedCard } from './calendar-feed-card.tsx'

const myZone = Intl.DateTimeFormat().resolvedOptions().timeZone
const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeZone: myZone })
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'short', timeZone: myZone })
const RESPONSES: RsvpResponse[] = ['going', 'maybe', 'declined']
const LIMIT = 100

/**
 * The room an occurrence belongs to: by its id here, or (for a room hosted on another instance,
 * whose meetings are copies kept under the room's actor id) by that actor id.
 */
function roomOf(entries: readonly RoomEntry[], occurrence: OccurrenceView): RoomEntry | undefined {
  return entries.find((e) => e.room.id === occurrence.roomId || e.room.host?.roomUri === occurrence.roomId)
}

export function AgendaView() {
  const { t } = useTranslation()
  const session = useSession()
  const entries = useObservable(session.rooms.entries)
  const running = useObservable(session.meetingsNow.running)
  const { busy, problem, run } = useAction()
  const [occurrences, setOccurrences] = useState<OccurrenceView[] | null>(null)
  const meetings = session.parley.meetings
  const load = useCallback(
    () =>
      run(() => meetings.upcoming({ timeZone: myZone, limit: LIMIT })).then((found) => found && setOccurrences(found)),
    [meetings, run],
  )
  // Again when a meeting starts (its call opens): the list may have moved on meanwhile.
  useEffect(() => {
    void load()
  }, [load, running])

  const days = useMemo(() => byDay(occurrences ?? []), [occurrences])
  const answer = async (o: OccurrenceView, response: RsvpResponse) => {
    const answered = await run(() => meetings.answer(o.meetingId, o.occurrence, response))
    if (answered)
      setOccurrences(
        (list) =>
          list?.map((x) =>
            x.meetingId === o.meetingId && x.occurrence === o.occurrence ? { ...x, rsvp: response } : x,
          ) ?? null,
      )
  }

  return (
    <section className="page" aria-labelledby="agenda-title">
      <h1 id="agenda-title">{t('agenda.title')}</h1>
      <p className="hint">{t('agenda.intro', { zone: myZone })}</p>
      <ProblemNote problem={problem} />
      {occurrences?.length === 0 && (
        <div className="empty-state">
          <span className="empty-icon" aria-hidden="true">
            <CalendarDays size={32} strokeWidth={1.5} />
          </span>
          <p>{t('agenda.none')}</p>
          <p className="hint">{t('agenda.noneHint')}</p>
        </div>
      )}
      <div className="agenda" aria-busy={occurrences === null}>
        {days.map(({ key, label, items }) => (
          <section key={key} className="agenda-day" aria-labelledby={`day-${key}`}>
            <h2 id={`day-${key}`}>{label}</h2>
            <ul className="agenda-items">
              {items.map((o) => {
                const entry = roomOf(entries, o)
                const titleId = `occ-${o.meetingId}-${o.occurrence}`.replace(/[^\w-]/g, '_')
                return (
                  <li key={`${o.meetingId} ${o.occurrence}`} className="card agenda-item" aria-labelledby={titleId}>
                    <p className="agenda-time">
                      <time dateTime={o.start}>{time.format(new Date(o.start))}</time>–
                      <time dateTime={o.end}>{time.format(new Date(o.end))}</time>
                      {o.moved && <span className="tag">{t('meetings.moved')}</span>}
                    </p>
                    <h3 id={titleId}>{o.title}</h3>
                    <p className="muted">
                      {entry ? (
                        <Link to={paths.room(entry.room.id)}>{t('agenda.inRoom', { room: entry.room.name })}</Link>
                      ) : (
                        t('agenda.roomUnknown')
                      )}
                    </p>
                    <div className="row" role="group" aria-label={t('meetings.answer', { title: o.title })}>
                      {RESPONSES.map((response) => (
                        <button
                          key={response}
                          type="button"
                          aria-pressed={o.rsvp === response}
                          disabled={busy}
                          onClick={() => void answer(o, response)}
                        >
                          {t(`meetings.${response}`)}
                        </button>
                      ))}
                    </div>
                  </li>
                )
              })}
            </ul>
          </section>
        ))}
      </div>
      {occurrences?.length === LIMIT && <p className="hint">{t('agenda.more', { count: LIMIT })}</p>}
      <CalendarFeedCard />
    </section>
  )
}

/** Occurrences grouped by their day in my zone (startLocal is in my zone: it was asked for so). */
function byDay(occurrences: readonly OccurrenceView[]): { key: string; label: string; items: OccurrenceView[] }[] {
  const days = new Map<string, { key: string; label: string; items: OccurrenceView[] }>()
  for (const o of occurrences) {
    const key = o.startLocal.slice(0, 10)
    let found = days.get(key)
    if (!found) days.set(key, (found = { key, label: day.format(new Date(o.start)), items: [] }))
    found.items.push(o)
  }
  return [...days.values()]
}
