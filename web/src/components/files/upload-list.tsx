import { useTranslation } from 'react-i18next'
import { X } from 'lucide-react'
import { useObservable } from '../../data/observable.ts'
import { problemOf, type Problem } from '../../data/errors.ts'
import { ParleyApiError } from '@parley/client/browser'
import type { TFunction } from 'i18next'
import { useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'
import { formatBytes } from './bytes.ts'

/** This room's uploads in progress (with a cancel each) and the ones refused (in words, until dismissed). */
export function UploadList({ roomId }: { roomId: string }) {
  const { t, i18n } = useTranslation()
  const session = useSession()
  const entries = useObservable(session.uploads.entries).filter((e) => e.roomId === roomId)
  if (entries.length === 0) return null
  return (
    <ul className="uploads" aria-label={t('files.uploads')}>
      {entries.map((e) => (
        <li key={e.key} className="upload" data-status={e.status}>
          <div className="upload-row">
            <span className="upload-name">{e.name}</span>
            {e.status === 'uploading' ? (
              <>
                <progress
                  max={Math.max(1, e.totalBytes)}
                  value={e.sentBytes}
                  aria-label={t('files.progress', { name: e.name })}
                />
                <span className="muted upload-bytes">
                  {formatBytes(e.sentBytes, i18n.language)} / {formatBytes(e.totalBytes, i18n.language)}
                </span>
              </>
            ) : null}
            <button
              type="button"
              className="icon-button"
              aria-label={
                e.status === 'uploading' ? t('files.cancel', { name: e.name }) : t('files.dismiss', { name: e.name })
              }
              data-tip={e.status === 'uploading' ? t('files.cancelShort') : t('files.dismissShort')}
              onClick={() =>
                e.status === 'uploading' ? session.uploads.cancel(e.key) : session.uploads.dismiss(e.key)
              }
            >
              <X size={16} />
            </button>
          </div>
          {e.status === 'failed' && <ProblemNote problem={uploadProblem(e.error, e.name, t, i18n.language)} />}
        </li>
      ))}
    </ul>
  )
}

/** A refusal in words, with the limits the server named (largest file, quota left). */
function uploadProblem(error: unknown, name: string, t: TFunction, locale: string): Problem {
  const problem = problemOf(error, t)
  const details = error instanceof ParleyApiError ? (error.details ?? {}) : {}
  const bytes = (key: string) => (typeof details[key] === 'number' ? formatBytes(details[key], locale) : null)
  if (problem.code === 'file-too-large' && bytes('maxBytes'))
    return { ...problem, text: t('files.tooLarge', { name, max: bytes('maxBytes') }) }
  if (problem.code === 'quota-exceeded' && bytes('quotaBytes') && bytes('usedBytes'))
    return { ...problem, text: t('files.quota', { name, used: bytes('usedBytes'), quota: bytes('quotaBytes') }) }
  return { ...problem, text: `${name}: ${problem.text}` }
}
