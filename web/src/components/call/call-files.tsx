/**
 * Files in a call: the "Share file" control (a file picker behind a toolbar button, with the upload's
 * progress) and the announcements of files anyone shared with the call — who, which file, a link to
 * download it and, for pictures, the preview. The same files are messages in the room's chat; this
 * is what people see without looking away from the call.
 */
import { useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { Download, Paperclip } from 'lucide-react'
import type { CallFileUpload, CallSharedFile } from '../../calls/use-call.ts'
import { formatBytes } from '../files/bytes.ts'

/** A toolbar button that opens the file picker; the chosen file goes to `onPick`. */
export function ShareFileButton({ busy, onPick }: { busy: boolean; onPick: (file: File) => void }) {
  const { t } = useTranslation()
  const input = useRef<HTMLInputElement>(null)
  return (
    <>
      <button
        type="button"
        className="tool"
        aria-label={t('call.shareFile')}
        data-tip={t('call.shareFile')}
        disabled={busy}
        onClick={() => input.current?.click()}
      >
        <Paperclip size={20} />
      </button>
      <input
        ref={input}
        type="file"
        hidden
        data-testid="call-file-input"
        onChange={(event) => {
          const file = event.currentTarget.files?.[0]
          // Cleared so that picking the same file again fires a change too.
          event.currentTarget.value = ''
          if (file) onPick(file)
        }}
      />
    </>
  )
}

/**
 * The upload in progress and the files shared so far. The log is always in the page, so that
 * screen readers announce what arrives in it (a live region added together with its text is not).
 */
export function CallFiles({
  uploading,
  shared,
  selfId,
}: {
  uploading: CallFileUpload | null
  shared: CallSharedFile[]
  selfId: string | null
}) {
  const { t, i18n } = useTranslation()
  const bytes = (n: number) => formatBytes(n, i18n.language)
  // The latest few: the chat keeps them all.
  const recent = shared.slice(-3)
  return (
    <div className="call-files">
      {uploading && (
        <div className="call-upload">
          <span className="call-upload-name">{t('call.sharingFile', { name: uploading.name })}</span>
          <progress
            max={Math.max(1, uploading.totalBytes)}
            value={uploading.sentBytes}
            aria-label={t('files.progress', { name: uploading.name })}
          />
          <span className="call-upload-bytes">
            {bytes(uploading.sentBytes)} / {bytes(uploading.totalBytes)}
          </span>
        </div>
      )}
      <div role="log" aria-label={t('call.sharedFiles')} className="call-shared">
        {recent.length > 0 && (
          <ul>
            {recent.map(({ seq, participantId, name, file }) => {
              const size = bytes(file.size)
              return (
                <li key={seq} className="call-shared-file" data-seq={seq}>
                  {file.thumbnail && (
                    <a href={file.url} target="_blank" rel="noopener noreferrer" className="call-shared-preview">
                      <img
                        src={file.thumbnail.url}
                        width={file.thumbnail.width}
                        height={file.thumbnail.height}
                        alt={t('files.imageAlt', { name: file.name })}
                      />
                    </a>
                  )}
                  <span className="call-shared-text">
                    {participantId === selfId
                      ? t('call.youSharedFile', { file: file.name })
                      : t('call.sharedFile', { name: name || t('call.someone'), file: file.name })}
                    <span className="call-shared-size"> ({size})</span>
                  </span>
                  <a
                    href={file.url}
                    download={file.name}
                    className="call-shared-download"
                    aria-label={t('files.download', { name: file.name, size })}
                  >
                    <Download size={16} aria-hidden="true" />
                    <span>{t('files.downloadShort')}</span>
                  </a>
                </li>
              )
            })}
          </ul>
        )}
      </div>
    </div>
  )
}
