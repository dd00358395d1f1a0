import { useCallback, useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Download, FileText, Trash2 } from 'lucide-react'
import type { RoomView, SharedFileView } from '@parley/client/browser'
import { useObservable } from '../../data/observable.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'
import { formatBytes } from '../files/bytes.ts'

/** Files per page: the server gives at most 200, a room's newest are what people look for. */
export const FILES_PAGE = 20

const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/**
 * The room's shared files, newest first, a page at a time: name, size, who shared it and when, a
 * preview of pictures, download; the sharer (or a moderator) deletes one, which deletes its message.
 * Live: a file shared or a message deleted while it is open reloads what is shown. Rooms hosted
 * elsewhere list the copies this server keeps, through the same routes.
 */
export function FilesPanel({ room }: { room: RoomView }) {
  const { t, i18n } = useTranslation()
  const session = useSession()
  const { busy, problem, run } = useAction()
  const [files, setFiles] = useState<SharedFileView[] | null>(null)
  const [hasMore, setHasMore] = useState(false)
  // How many are shown, so a live reload keeps the older pages someone opened.
  const shown = useRef(FILES_PAGE)
  const changes = useObservable(session.filesChanged).get(room.id) ?? 0
  const moderator = room.me?.role === 'owner' || room.me?.role === 'moderator'
  const api = session.parley.rest.files

  const reload = useCallback(
    () =>
      run(() => api.list(room.id, { limit: Math.min(200, shown.current) })).then((page) => {
        if (!page) return
        setFiles(page.files)
        setHasMore(page.hasMore)
      }),
    [api, room.id, run],
  )
  useEffect(() => {
    void reload()
  }, [reload, changes])

  const more = async () => {
    const last = files?.at(-1)
    if (!last) return
    const page = await run(() => api.list(room.id, { before: last.seq, limit: FILES_PAGE }))
    if (!page) return
    shown.current += FILES_PAGE
    setFiles((before) => [...(before ?? []), ...page.files.filter((f) => !before?.some((b) => b.seq === f.seq))])
    setHasMore(page.hasMore)
  }
  const remove = async (shared: SharedFileView) => {
    if (!confirm(t('files.confirmDelete', { name: shared.file.name }))) return
    if (await run(() => session.parley.rest.deleteMessage(room.id, shared.seq))) await reload()
  }

  return (
    <div className="stack">
      <ProblemNote problem={problem} />
      {files?.length === 0 && <p className="muted">{t('files.none')}</p>}
      <ul className="shared-files" aria-label={t('files.tab')}>
        {files?.map((shared) => {
          const { file } = shared
          const size = formatBytes(file.size, i18n.language)
          const mine = shared.sharedBy.id === session.actorId
          return (
            <li key={shared.seq} className="shared-file" data-file-id={file.id}>
              {file.thumbnail ? (
                <a href={file.url} target="_blank" rel="noopener noreferrer" className="shared-file-preview">
                  <img
                    src={file.thumbnail.url}
                    width={file.thumbnail.width}
                    height={file.thumbnail.height}
                    alt={t('files.imageAlt', { name: file.name })}
                    loading="lazy"
                  />
                </a>
              ) : (
                <span className="attachment-icon" aria-hidden="true">
                  <FileText size={20} />
                </span>
              )}
              <span className="attachment-text">
                <span className="attachment-name">{file.name}</span>
                <span className="muted attachment-size">
                  {t('files.sharedBy', {
                    size,
                    name: shared.sharedBy.name,
                    when: date.format(new Date(shared.sharedAt)),
                  })}
                </span>
              </span>
              <a
                href={file.url}
                download={file.name}
                className="icon-button"
                aria-label={t('files.download', { name: file.name, size })}
                data-tip={t('files.downloadShort')}
              >
                <Download size={18} />
              </a>
              {(mine || moderator) && (
                <button
                  type="button"
                  className="icon-button"
                  disabled={busy}
                  aria-label={t('files.delete', { name: file.name })}
                  data-tip={t('files.deleteShort')}
                  onClick={() => void remove(shared)}
                >
                  <Trash2 size={18} />
                </button>
              )}
            </li>
          )
        })}
      </ul>
      {hasMore && (
        <button type="button" disabled={busy} onClick={() => void more()}>
          {t('files.more')}
        </button>
      )}
    </div>
  )
}
