import { useCallback, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Download, Mic, MonitorUp, Play, Square, Trash2, Video } from 'lucide-react'
import type { RecordingView, RoomView } from '@parley/client/browser'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'
import { formatBytes } from '../files/bytes.ts'

const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/**
 * The room's call recordings, one file per stream: whose it is and what (camera, microphone or
 * screen), when and how large. Each plays here (the server serves byte ranges, so the player can
 * seek) or downloads; those who may record (moderators) delete one, for everyone.
 */
export function RecordingsPanel({ room }: { room: RoomView }) {
  const { t, i18n } = useTranslation()
  const session = useSession()
  const { busy, problem, run } = useAction()
  const [recordings, setRecordings] = useState<RecordingView[] | null>(null)
  const [playing, setPlaying] = useState<string | null>(null)
  const moderator = room.me?.role === 'owner' || room.me?.role === 'moderator'
  const rest = session.parley.rest

  const reload = useCallback(
    () => run(() => rest.recordings(room.id)).then((r) => r && setRecordings(r.recordings)),
    [rest, room.id, run],
  )
  useEffect(() => {
    void reload()
  }, [reload])

  const remove = async (recording: RecordingView, label: string) => {
    if (!confirm(t('room.recordingConfirmDelete', { recording: label }))) return
    if ((await run(() => rest.deleteRecording(room.id, recording.id).then(() => true))) === true) await reload()
  }

  return (
    <div className="stack">
      <ProblemNote problem={problem} />
      {recordings?.length === 0 && <p className="muted">{t('room.noRecordings')}</p>}
      <ul className="shared-files recordings" aria-label={t('room.recordings')}>
        {recordings?.map((r) => {
          const url = rest.recordingUrl(room.id, r.id)
          const what = `${r.actor?.name ?? t('room.recordingBySomeone')} · ${t(`room.recordingOf.${r.source}-${r.kind}`)}`
          const when = date.format(new Date(r.createdAt))
          const label = `${what}, ${when}`
          const open = playing === r.id
          const Icon = r.source === 'screen' ? MonitorUp : r.kind === 'video' ? Video : Mic
          return (
            <li key={r.id} className="recording">
              <div className="shared-file">
                <span className="attachment-icon" aria-hidden="true">
                  <Icon size={20} />
                </span>
                <span className="attachment-text">
                  <span className="attachment-name">{what}</span>
                  <span className="muted attachment-size">
                    {when} · {formatBytes(r.bytes, i18n.language)}
                  </span>
                </span>
                <button
                  type="button"
                  className="icon-button"
                  aria-expanded={open}
                  aria-label={t(open ? 'room.recordingClose' : 'room.recordingPlay', { recording: label })}
                  data-tip={t(open ? 'room.recordingCloseShort' : 'room.recordingPlayShort')}
                  onClick={() => setPlaying(open ? null : r.id)}
                >
                  {open ? <Square size={18} /> : <Play size={18} />}
                </button>
                <a
                  href={url}
                  download
                  className="icon-button"
                  aria-label={t('room.recordingDownload', { recording: label })}
                  data-tip={t('files.downloadShort')}
                >
                  <Download size={18} />
                </a>
                {moderator && (
                  <button
                    type="button"
                    className="icon-button"
                    disabled={busy}
                    aria-label={t('room.recordingDelete', { recording: label })}
                    data-tip={t('files.deleteShort')}
                    onClick={() => void remove(r, label)}
                  >
                    <Trash2 size={18} />
                  </button>
                )}
              </div>
              {open &&
                (r.kind === 'video' ? (
                  <video className="recording-player" src={url} controls autoPlay aria-label={label} />
                ) : (
                  <audio className="recording-player" src={url} controls autoPlay aria-label={label} />
                ))}
            </li>
          )
        })}
      </ul>
    </div>
  )
}
