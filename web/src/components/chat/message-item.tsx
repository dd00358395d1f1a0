import { memo, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Pencil, Reply, SmilePlus, Timer, Trash2 } from 'lucide-react'
import type { MessageView, RoomView } from '@parley/client/browser'
import type { Timeline } from '../../data/timeline.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { PersonAvatar } from '../common/person-avatar.tsx'
import { ProblemNote } from '../common/problem-note.tsx'
import { renderMarkdown } from './markdown.ts'
import { systemText } from './system-text.ts'
import { EmojiPicker } from './emoji-picker.tsx'
import { PollCard } from './poll-card.tsx'
import { FileAttachment } from '../files/file-attachment.tsx'

export type MessageActions = {
  reply: (message: MessageView) => void
  edit: (message: MessageView) => void
}

type Props = {
  message: MessageView
  /** Same author as the message before, shortly after: no avatar and name again. */
  continued: boolean
  replyTo: MessageView | undefined
  room: RoomView
  timeline: Timeline
  moderator: boolean
  /**
   * Whether I may write into the room (false: read-only and I am no moderator). What writes —
   * reply, react, edit, vote — is then not offered; deleting my own message still works
   * (server/src/rooms/policy.ts: chat.delete is not a write that read-only stops).
   */
  canPost: boolean
  seenBy: string[]
  actions: MessageActions
}

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })

export const MessageItem = memo(function MessageItem({
  message,
  continued,
  replyTo,
  room,
  timeline,
  moderator,
  canPost,
  seenBy,
  actions,
}: Props) {
  const { t } = useTranslation()
  const session = useSession()
  const { problem, run } = useAction()
  const [picking, setPicking] = useState(false)
  const mine = message.actor.id === session.actorId
  const html = useMemo(
    () => (message.kind === 'text' && !message.deletedAt ? renderMarkdown(message.body) : ''),
    [message.body, message.kind, message.deletedAt],
  )
  const rest = session.parley.rest

  if (message.kind === 'system')
    return (
      <li className="system-message" data-seq={message.seq}>
        {systemText(t, message)}
      </li>
    )

  // Reactions toggle: the server's list tells whether mine is among them.
  const toggle = (emoji: string) =>
    run(async () => {
      const { reactions } = await rest.reactions(room.id, message.seq)
      const minePresent = reactions.some((r) => r.emoji === emoji && r.actor.id === session.actorId)
      if (minePresent) await rest.unreact(room.id, message.seq, emoji)
      else await rest.react(room.id, message.seq, emoji)
    })

  const deleted = message.deletedAt !== null
  const labelId = `msg-${message.seq}-meta`
  return (
    <li
      className={['message', mine ? 'mine' : '', continued ? 'continued' : ''].filter(Boolean).join(' ')}
      data-seq={message.seq}
      aria-labelledby={labelId}
    >
      <PersonAvatar actorId={message.actor.id} name={message.actor.name} />
      <div className="message-body">
        <div className="message-meta" id={labelId}>
          <span className="author">{message.actor.name}</span>{' '}
          <time dateTime={message.createdAt} className="muted">
            {time.format(new Date(message.createdAt))}
          </time>
          {message.editedAt && !deleted && <span className="muted"> · {t('chat.edited')}</span>}
          {message.expiresAt && (
            <span className="muted expires" title={message.expiresAt}>
              <Timer
                size={13}
                role="img"
                aria-label={t('chat.expires', { time: time.format(new Date(message.expiresAt)) })}
              />
            </span>
          )}
        </div>
        {replyTo && (
          <blockquote className="reply-quote">
            <span className="author">{replyTo.actor.name}</span>
            <span className="reply-text">{replyTo.deletedAt ? t('chat.deleted') : replyTo.body.slice(0, 140)}</span>
          </blockquote>
        )}
        {deleted ? (
          <p className="muted deleted">{t('chat.deleted')}</p>
        ) : message.kind === 'poll' ? (
          <PollCard timeline={timeline} pollId={message.body} canVote={canPost} canClose={mine || moderator} />
        ) : (
          <>
            {message.file && <FileAttachment file={message.file} />}
            {(message.body !== '' || !message.file) && (
              <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />
            )}
          </>
        )}
        {message.reactions.length > 0 && (
          <ul className="reactions" aria-label={t('chat.react')}>
            {message.reactions.map((r) => (
              <li key={r.emoji}>
                <button
                  type="button"
                  className="reaction"
                  disabled={!canPost}
                  onClick={() => void toggle(r.emoji)}
                  aria-label={t('chat.reactionCount', { emoji: r.emoji, count: r.count })}
                >
                  {r.emoji} {r.count}
                </button>
              </li>
            ))}
          </ul>
        )}
        <ProblemNote problem={problem} />
        {seenBy.length > 0 && <p className="seen-by muted">{t('chat.seenBy', { names: seenBy.join(', ') })}</p>}
      </div>
      {!deleted && (canPost || mine || moderator) && (
        <div className="message-actions" role="group" aria-label={t('chat.messageActions')}>
          {canPost && (
            <>
              <button
                type="button"
                className="icon-button"
                aria-label={t('chat.reply')}
                data-tip={t('chat.reply')}
                onClick={() => actions.reply(message)}
              >
                <Reply size={16} />
              </button>
              <EmojiPicker
                open={picking}
                onOpenChange={setPicking}
                onPick={(emoji) => void run(() => rest.react(room.id, message.seq, emoji))}
                trigger={
                  <button type="button" className="icon-button" aria-label={t('chat.react')} data-tip={t('chat.react')}>
                    <SmilePlus size={16} />
                  </button>
                }
              />
            </>
          )}
          {canPost && mine && message.kind === 'text' && (
            <button
              type="button"
              className="icon-button"
              aria-label={t('chat.edit')}
              data-tip={t('chat.edit')}
              onClick={() => actions.edit(message)}
            >
              <Pencil size={16} />
            </button>
          )}
          {(mine || moderator) && (
            <button
              type="button"
              className="icon-button"
              aria-label={t('chat.delete')}
              data-tip={t('chat.delete')}
              onClick={() => {
                if (confirm(t('chat.confirmDelete')))
                  void run(() => rest.deleteMessage(room.id, message.seq)).then((m) => m && timeline.upsert(m))
              }}
            >
              <Trash2 size={16} />
            </button>
          )}
        </div>
      )}
    </li>
  )
})
