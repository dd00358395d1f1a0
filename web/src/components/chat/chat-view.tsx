/**
 * A room's chat: the timeline (infinite scroll back through history, read markers, typing) and the
 * composer. Marks the room read while its newest message is on screen and the page is visible.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { MessageCircle, Upload } from 'lucide-react'
import type { MessageView, RoomView } from '@parley/client/browser'
import { useObservable } from '../../data/observable.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'
import { MessageItem, type MessageActions } from './message-item.tsx'
import { Composer } from './composer.tsx'
import { UploadList } from '../files/upload-list.tsx'

/** A message follows on from the one before: same author, within five minutes (no new header). */
function continues(previous: MessageView | undefined, m: MessageView): boolean {
  return (
    previous !== undefined &&
    previous.kind !== 'system' &&
    m.kind !== 'system' &&
    previous.actor.id === m.actor.id &&
    m.replyTo === null &&
    Date.parse(m.createdAt) - Date.parse(previous.createdAt) < 5 * 60_000
  )
}

export function ChatView({ room }: { room: RoomView }) {
  const { t } = useTranslation()
  const session = useSession()
  const timeline = session.timeline(room.id)
  const state = useObservable(timeline.state)
  const typing = useObservable(timeline.typing)
  const [replyTo, setReplyTo] = useState<MessageView | null>(null)
  const [editing, setEditing] = useState<MessageView | null>(null)
  const scroller = useRef<HTMLDivElement>(null)
  const top = useRef<HTMLDivElement>(null)
  const bottom = useRef<HTMLDivElement>(null)
  const atBottom = useRef(true)
  const readSent = useRef(0)
  const anchor = useRef<{ height: number; top: number } | null>(null)
  const [dropping, setDropping] = useState(false)

  // A history the server refuses (removed from the room meanwhile) says why, in words.
  const { problem, run } = useAction()
  useEffect(() => {
    void run(() => timeline.open())
    if (session.isUser) void session.avatars.loadRoom(room.id)
  }, [timeline, session, room.id, run])

  const myParticipant = state.participants.find((p) => p.actorId === session.actorId)
  const moderator = myParticipant?.role === 'owner' || myParticipant?.role === 'moderator'
  const canPost = !(room.readOnly && !moderator)
  // Read-only turned on under me: a reply or edit I had started goes with the composer (it would
  // come back in the middle of it when read-only ends, in place of my draft).
  useEffect(() => {
    if (canPost) return
    setReplyTo(null)
    setEditing(null)
  }, [canPost])
  const newest = state.messages.at(-1)

  const markRead = useCallback(() => {
    if (!newest || document.visibilityState !== 'visible' || !atBottom.current) return
    const mine = myParticipant?.lastReadSeq ?? room.me?.lastReadSeq ?? 0
    if (newest.seq <= Math.max(mine, readSent.current)) return
    readSent.current = newest.seq
    session.parley.rest.markRead(room.id, newest.seq).catch(() => {
      readSent.current = 0 // tried again on the next message or visibility change
    })
  }, [newest, myParticipant?.lastReadSeq, room.id, room.me?.lastReadSeq, session])

  // Older pages load when the top comes into view; the bottom sentinel says whether we follow new messages.
  useEffect(() => {
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.target === top.current && entry.isIntersecting && state.hasOlder && scroller.current) {
          anchor.current = { height: scroller.current.scrollHeight, top: scroller.current.scrollTop }
          void timeline.loadOlder()
        }
        if (entry.target === bottom.current) {
          atBottom.current = entry.isIntersecting
          if (entry.isIntersecting) markRead()
        }
      }
    })
    if (top.current) observer.observe(top.current)
    if (bottom.current) observer.observe(bottom.current)
    return () => observer.disconnect()
  }, [timeline, state.hasOlder, markRead])

  useEffect(() => {
    const onVisible = () => markRead()
    document.addEventListener('visibilitychange', onVisible)
    return () => document.removeEventListener('visibilitychange', onVisible)
  }, [markRead])

  // Keep the view where it was when older messages arrive above; follow new ones when at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current
    if (!el) return
    if (anchor.current) {
      el.scrollTop = anchor.current.top + (el.scrollHeight - anchor.current.height)
      anchor.current = null
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight
      markRead()
    }
  }, [state.messages, markRead])

  const bySeq = useMemo(() => new Map(state.messages.map((m) => [m.seq, m])), [state.messages])
  // "Seen by": each other participant under the newest loaded message they have read.
  const seenBy = useMemo(() => {
    const result = new Map<number, string[]>()
    const seqs = state.messages.filter((m) => m.kind !== 'system').map((m) => m.seq)
    for (const p of state.participants) {
      if (p.actorId === session.actorId || p.state !== 'active' || p.lastReadSeq === 0) continue
      const at = [...seqs].reverse().find((s) => s <= p.lastReadSeq)
      if (at !== undefined) result.set(at, [...(result.get(at) ?? []), p.displayName])
    }
    return result
  }, [state.messages, state.participants, session.actorId])

  const actions: MessageActions = useMemo(
    () => ({
      reply: (m) => {
        setEditing(null)
        setReplyTo(m)
      },
      edit: (m) => {
        setReplyTo(null)
        setEditing(m)
      },
    }),
    [],
  )

  const typingNames = typing.map((a) => a.name)
  // Files dragged in from the desktop are shared in this room (only files: not text or links).
  const carriesFiles = (e: DragEvent) => canPost && e.dataTransfer.types.includes('Files')
  return (
    <div
      className={dropping ? 'chat dropping' : 'chat'}
      onDragEnter={(e) => {
        if (carriesFiles(e)) setDropping(true)
      }}
      onDragOver={(e) => {
        if (!carriesFiles(e)) return
        e.preventDefault()
        e.dataTransfer.dropEffect = 'copy'
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDropping(false)
      }}
      onDrop={(e) => {
        if (!carriesFiles(e)) return
        e.preventDefault()
        setDropping(false)
        for (const file of e.dataTransfer.files) session.uploads.start(room.id, file)
      }}
    >
      {dropping && (
        <div className="drop-overlay" aria-hidden="true">
          <Upload size={32} />
          <p>{t('files.drop', { room: room.remote?.name ?? room.name })}</p>
        </div>
      )}
      <div className="timeline" ref={scroller} tabIndex={0} role="region" aria-label={room.remote?.name ?? room.name}>
        <div ref={top} className="sentinel" />
        <ProblemNote problem={problem} />
        {state.loaded && !state.hasOlder && (
          <div className="timeline-start">
            <span className="empty-icon" aria-hidden="true">
              <MessageCircle size={28} strokeWidth={1.75} />
            </span>
            <p className="muted">{t('chat.start')}</p>
          </div>
        )}
        {state.hasOlder && (
          <p className="muted center" role="status">
            {t('chat.loadingOlder')}
          </p>
        )}
        <div role="log" aria-live="polite" aria-relevant="additions">
          <ol className="messages">
            {state.messages.map((m, i) => (
              <MessageItem
                key={m.seq}
                message={m}
                continued={continues(state.messages[i - 1], m)}
                replyTo={m.replyTo !== null ? bySeq.get(m.replyTo) : undefined}
                room={room}
                timeline={timeline}
                moderator={moderator}
                canPost={canPost}
                seenBy={seenBy.get(m.seq) ?? []}
                actions={actions}
              />
            ))}
          </ol>
        </div>
        <div ref={bottom} className="sentinel" />
      </div>
      <p className="typing muted" aria-live="polite">
        {typingNames.length > 0 ? t('chat.typing', { count: typingNames.length, names: typingNames.join(', ') }) : ''}
      </p>
      <UploadList roomId={room.id} />
      <Composer
        room={room}
        timeline={timeline}
        participants={state.participants}
        readOnly={!canPost}
        replyTo={replyTo}
        editing={editing}
        onDone={() => {
          setReplyTo(null)
          setEditing(null)
          atBottom.current = true
        }}
      />
    </div>
  )
}
