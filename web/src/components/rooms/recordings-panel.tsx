import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { RecordingView, RoomView } from '@parley/client/browser'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'

const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** The room's call recordings, each a download link. */
export function RecordingsPanel({ room }: { room: RoomView }) {
  const { t } = useTranslation()
  const session = useSession()
  const { problem, run } = useAction()
  const [recordings, setRecordings] = useState<RecordingView[] | null>(null)
  useEffect(() => {
    void run(() => session.parley.rest.recordings(room.id)).then((r) => r && setRecordings(r.recordings))
  }, [room.id, run, session])
  return (
    <div>
      <ProblemNote problem={problem} />
      {recordings?.length === 0 && <p className="muted">{t('room.noRecordings')}</p>}
      <ul className="recordings">
        {recordings?.map((r) => (
          <li key={r.id}>
            <a href={session.parley.rest.recordingUrl(room.id, r.id)} download>
              {date.format(new Date(r.createdAt))} · {r.actor?.name ?? t('room.recordingBySomeone')} ·{' '}
              {t(`room.recordingOf.${r.source}-${r.kind}`)} · {Math.round(r.bytes / 1024)} KB
            </a>
          </li>
        ))}
      </ul>
    </div>
  )
}
