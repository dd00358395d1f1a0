import { useCallback, useEffect, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import type { OccurrenceView, RoomView, RsvpResponse } from '@parley/client/browser'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'
import { MeetingEditForm, OccurrenceEditForm } from './meeting-edit.tsx'

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const myZone = Intl.DateTimeFormat().resolvedOptions().timeZone
const RESPONSES: RsvpResponse[] = ['going', 'maybe', 'declined']

/**
 * The room's meetings: what comes up (in my time zone), my answer to each occurrence, the
 * invitation (.ics) of each meeting; moderators schedule new ones (recurrence as an RRULE), edit a
 * meeting, and move or cancel one occurrence.
 */
export function MeetingsPanel({ room }: { room: RoomView }) {
  const { t } = useTranslation()
  const session = useSession()
  const { busy, problem, run } = useAction()
  const [occurrences, setOccurrences] = useState<OccurrenceView[] | null>(null)
  const [editing, setEditing] = useState<{ what: 'meeting' | 'occurrence'; o: OccurrenceView } | null>(null)
  const moderator = room.me?.role === 'owner' || room.me?.role === 'moderator'
  const meetings = session.parley.meetings
  // A room hosted elsewhere: its meetings are copies kept under the room's actor id, listed among
  // my upcoming meetings and answered by the meeting's id (the host hears the answer). They are
  // scheduled and edited on the host.
  const hostedAt = room.host?.roomUri ?? null
  const load = useCallback(
    () =>
      run(async () =>
        hostedAt
          ? (await meetings.upcoming({ timeZone: myZone, limit: 50 })).filter((o) => o.roomId === hostedAt)
          : meetings.upcoming({ roomId: room.id, timeZone: myZone, limit: 50 }),
      ).then((found) => found && setOccurrences(found)),
    [meetings, room.id, hostedAt, run],
  )
  useEffect(() => {
    void load()
  }, [load])

  const answer = async (o: OccurrenceView, response: RsvpResponse) => {
    const answered = hostedAt
      ? run(() => meetings.answer(o.meetingId, o.occurrence, response))
      : run(() => meetings.rsvp(room.id, o.meetingId, o.occurrence, response))
    if (await answered) await load()
  }
  return (
    <div className="stack">
      <ProblemNote problem={problem} />
      {occurrences?.length === 0 && <p className="muted">{t('meetings.none')}</p>}
      <ul className="meetings">
        {occurrences?.map((o) => (
          <li key={`${o.meetingId} ${o.occurrence}`}>
            <strong>{o.title}</strong> · {when.format(new Date(o.start))}
            {o.moved ? ` (${t('meetings.moved')})` : ''}
            <div role="group" aria-label={t('meetings.answer', { title: o.title })}>
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
              {!hostedAt && (
                <a href={meetings.invitationUrl(room.id, o.meetingId)} download>
                  {t('meetings.ics')}
                </a>
              )}
              {moderator && !hostedAt && (
                <>
                  <button type="button" onClick={() => setEditing({ what: 'meeting', o })}>
                    {t('meetings.edit')}
                  </button>
                  <button type="button" onClick={() => setEditing({ what: 'occurrence', o })}>
                    {t('meetings.editOccurrence')}
                  </button>
                </>
              )}
            </div>
          </li>
        ))}
      </ul>
      {editing?.what === 'meeting' && (
        <MeetingEditForm
          key={editing.o.meetingId}
          room={room}
          meetingId={editing.o.meetingId}
          onDone={(changed) => {
            setEditing(null)
            if (changed) void load()
          }}
        />
      )}
      {editing?.what === 'occurrence' && (
        <OccurrenceEditForm
          key={`${editing.o.meetingId} ${editing.o.occurrence}`}
          room={room}
          occurrence={editing.o}
          onDone={(changed) => {
            setEditing(null)
            if (changed) void load()
          }}
        />
      )}
      {moderator && !hostedAt && room.kind !== 'one-to-one' && (
        <ScheduleForm room={room} onScheduled={() => void load()} />
      )}
    </div>
  )
}

function ScheduleForm({ room, onScheduled }: { room: RoomView; onScheduled: () => void }) {
  const { t } = useTranslation()
  const session = useSession()
  const { busy, problem, run } = useAction()
  const [form, setForm] = useState({ title: '', start: '', end: '', timeZone: myZone, recurrence: '' })
  const set = (field: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm({ ...form, [field]: event.target.value })
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const made = await run(() =>
      session.parley.meetings.schedule(room.id, {
        title: form.title,
        start: form.start,
        end: form.end,
        timeZone: form.timeZone,
        ...(form.recurrence.trim() ? { recurrence: form.recurrence.trim() } : {}),
      }),
    )
    if (made) {
      setForm({ ...form, title: '', recurrence: '' })
      onScheduled()
    }
  }
  return (
    <form className="form" onSubmit={submit} aria-label={t('meetings.schedule')}>
      <h3>{t('meetings.schedule')}</h3>
      <ProblemNote problem={problem} />
      <label>
        {t('meetings.title')}
        <input required maxLength={200} value={form.title} onChange={set('title')} />
      </label>
      <label>
        {t('meetings.start')}
        <input required type="datetime-local" value={form.start} onChange={set('start')} />
      </label>
      <label>
        {t('meetings.end')}
        <input required type="datetime-local" value={form.end} onChange={set('end')} />
      </label>
      <label>
        {t('meetings.timeZone')}
        <input required maxLength={64} value={form.timeZone} onChange={set('timeZone')} />
      </label>
      <label>
        {t('meetings.recurrence')}
        <input
          maxLength={300}
          placeholder="FREQ=WEEKLY;BYDAY=MO;COUNT=10"
          value={form.recurrence}
          onChange={set('recurrence')}
        />
      </label>
      <button type="submit" disabled={busy}>
        {t('meetings.scheduleButton')}
      </button>
    </form>
  )
}
