/**
 * A moderator's changes to a scheduled meeting: the whole series (title, description, times, time
 * zone, repetition, reminder) or one occurrence (moved, or cancelled) — times are wall-clock in the
 * meeting's own time zone, as the server takes them.
 */
import { useEffect, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import type { MeetingView, OccurrenceView, RoomView } from '@parley/client/browser'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'

/** An instant as wall-clock time in `timeZone`, the way a datetime-local input takes it. */
export function wallClock(instant: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  )
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`
}

const minutes = (local: string) => local.slice(0, 16)

export function MeetingEditForm({
  room,
  meetingId,
  onDone,
}: {
  room: RoomView
  meetingId: string
  onDone: (changed: boolean) => void
}) {
  const { t } = useTranslation()
  const meetings = useSession().parley.meetings
  const { busy, problem, run } = useAction()
  const [meeting, setMeeting] = useState<MeetingView | null>(null)
  const [form, setForm] = useState({
    title: '',
    description: '',
    start: '',
    end: '',
    timeZone: '',
    recurrence: '',
    reminder: '',
  })
  useEffect(() => {
    void run(() => meetings.get(room.id, meetingId)).then((m) => {
      if (!m) return
      setMeeting(m)
      setForm({
        title: m.title,
        description: m.description,
        start: minutes(m.startLocal),
        end: minutes(m.endLocal),
        timeZone: m.timeZone,
        recurrence: m.recurrence ?? '',
        reminder: String(m.reminderMinutes),
      })
    })
  }, [meetings, room.id, meetingId, run])
  const set = (field: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm({ ...form, [field]: event.target.value })
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const saved = await run(() =>
      meetings.update(room.id, meetingId, {
        title: form.title,
        description: form.description,
        start: form.start,
        end: form.end,
        timeZone: form.timeZone,
        recurrence: form.recurrence.trim() ? form.recurrence.trim() : null,
        reminderMinutes: Number(form.reminder),
      }),
    )
    if (saved) onDone(true)
  }
  return (
    <form className="form card" onSubmit={submit} aria-label={t('meetings.editTitle', { title: meeting?.title ?? '' })}>
      <h3>{t('meetings.editTitle', { title: meeting?.title ?? '' })}</h3>
      <ProblemNote problem={problem} />
      <label>
        {t('meetings.title')}
        <input required maxLength={200} value={form.title} onChange={set('title')} />
      </label>
      <label>
        {t('meetings.description')}
        <textarea maxLength={5000} rows={2} value={form.description} onChange={set('description')} />
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
        <input maxLength={300} value={form.recurrence} onChange={set('recurrence')} />
      </label>
      <label>
        {t('meetings.reminderMinutes')}
        <input type="number" min={0} max={10080} required value={form.reminder} onChange={set('reminder')} />
      </label>
      <div className="row end">
        <button type="button" onClick={() => onDone(false)}>
          {t('create.cancel')}
        </button>
        <button type="submit" className="primary" disabled={busy || !meeting}>
          {t('meetings.save')}
        </button>
      </div>
    </form>
  )
}

export function OccurrenceEditForm({
  room,
  occurrence,
  onDone,
}: {
  room: RoomView
  occurrence: OccurrenceView
  onDone: (changed: boolean) => void
}) {
  const { t } = useTranslation()
  const meetings = useSession().parley.meetings
  const { busy, problem, run } = useAction()
  const [zone, setZone] = useState<string | null>(null)
  const [times, setTimes] = useState({ start: '', end: '' })
  useEffect(() => {
    void run(() => meetings.get(room.id, occurrence.meetingId)).then((m) => {
      if (!m) return
      setZone(m.timeZone)
      setTimes({ start: wallClock(occurrence.start, m.timeZone), end: wallClock(occurrence.end, m.timeZone) })
    })
  }, [meetings, room.id, occurrence, run])
  const change = async (how: { cancelled: true } | { start: string; end: string }) => {
    if (await run(() => meetings.changeOccurrence(room.id, occurrence.meetingId, occurrence.occurrence, how)))
      onDone(true)
  }
  const label = t('meetings.occurrenceTitle', { title: occurrence.title })
  return (
    <form
      className="form card"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault()
        void change(times)
      }}
    >
      <h3>{label}</h3>
      <ProblemNote problem={problem} />
      {zone && <p className="hint">{t('meetings.inZone', { zone })}</p>}
      <label>
        {t('meetings.start')}
        <input
          required
          type="datetime-local"
          value={times.start}
          onChange={(e) => setTimes({ ...times, start: e.target.value })}
        />
      </label>
      <label>
        {t('meetings.end')}
        <input
          required
          type="datetime-local"
          value={times.end}
          onChange={(e) => setTimes({ ...times, end: e.target.value })}
        />
      </label>
      <div className="row end">
        <button type="button" onClick={() => onDone(false)}>
          {t('create.cancel')}
        </button>
        <button type="button" className="danger" disabled={busy} onClick={() => void change({ cancelled: true })}>
          {t('meetings.cancelOccurrence')}
        </button>
        <button type="submit" className="primary" disabled={busy || !zone}>
          {t('meetings.move')}
        </button>
      </div>
    </form>
  )
}
