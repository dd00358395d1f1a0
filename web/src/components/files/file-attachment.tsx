import { useTranslation } from 'react-i18next'
import { Download, FileText } from 'lucide-react'
import type { FileView } from '@parley/client/browser'
import { formatBytes } from './bytes.ts'

/**
 * A file shared in a message: images as their thumbnail (which opens the full picture), every file
 * with its name, size and a download link. The paths are this instance's and carry the session's
 * cookie like every request of the page; the server decides who may read them.
 */
export function FileAttachment({ file }: { file: FileView }) {
  const { t, i18n } = useTranslation()
  const size = formatBytes(file.size, i18n.language)
  return (
    <div className="attachment" data-file-id={file.id}>
      {file.thumbnail && (
        <a href={file.url} target="_blank" rel="noopener noreferrer" className="attachment-preview">
          <img
            src={file.thumbnail.url}
            width={file.thumbnail.width}
            height={file.thumbnail.height}
            alt={t('files.imageAlt', { name: file.name })}
            loading="lazy"
          />
        </a>
      )}
      <div className="attachment-card">
        <span className="attachment-icon" aria-hidden="true">
          <FileText size={20} />
        </span>
        <span className="attachment-text">
          <span className="attachment-name">{file.name}</span>
          <span className="muted attachment-size">{size}</span>
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
      </div>
    </div>
  )
}
