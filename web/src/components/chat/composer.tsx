/**
 * Writing a message: Enter sends, Shift+Enter breaks the line; `@` offers the server's mention
 * candidates — the room's participants, remote ones too, then the directory (arrow keys, Enter or
 * Tab to pick); the draft is kept per room; others see that you are typing.
 * Also edits a message and replies to one.
 */
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Check, ListChecks, Paperclip, SendHorizontal, X } from 'lucide-react'
import type { MentionCandidate, MessageView, ParticipantView, RoomView } from '@parley/client/browser'
import { ParleyApiError } from '@parley/client/browser'
import type { Timeline } from '../../data/timeline.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'
import { PollDialog } from './poll-dialog.tsx'
import { mentionText, useMentionCandidates } from './mention-candidates.ts'

const TYPING_RENEW_MS = 3000

type Props = {
  room: RoomView
  timeline: Timeline
  participants: ParticipantView[]
  readOnly: boolean
  replyTo: MessageView | null
  editing: MessageView | null
  onDone: () => void
}

export function Composer({ room, timeline, participants, readOnly, replyTo, editing, onDone }: Props) {
  const { t } = useTranslation()
  const session = useSession()
  const { busy, problem, run } = useAction()
  const [text, setText] = useState(() => session.drafts.get(room.id))
  const [suggest, setSuggest] = useState<{ query: string; start: number; index: number } | null>(null)
  const [polling, setPolling] = useState(false)
  const input = useRef<HTMLTextAreaElement>(null)
  const picker = useRef<HTMLInputElement>(null)
  const typingSince = useRef(0)
  const typingStop = useRef<ReturnType<typeof setTimeout> | null>(null)

  useEffect(() => {
    if (editing) setText(editing.body)
    input.current?.focus()
  }, [editing, replyTo])

  const sendTyping = useCallback(
    (typing: boolean) => {
      try {
        session.parley.realtime.typing(room.id, typing)
      } catch {
        // not connected: typing notices are best effort
      }
    },
    [session, room.id],
  )

  const stopTyping = useCallback(() => {
    if (typingStop.current) clearTimeout(typingStop.current)
    typingStop.current = null
    if (typingSince.current !== 0) sendTyping(false)
    typingSince.current = 0
  }, [sendTyping])

  // Leaving the room (another room opened, the chat closed): the others stop seeing me typing now,
  // not when the notice runs out. The cleanup holds this room's stopTyping, so it tells this room.
  useEffect(() => stopTyping, [stopTyping])

  // Read-only turned on under me: the composer goes, so the others stop seeing me typing now (not
  // when the notice runs out), and the text is my draft again, not a message I was editing
  // (chat-view.tsx drops the edit or reply itself).
  useEffect(() => {
    if (!readOnly) return
    stopTyping()
    setText(session.drafts.get(room.id))
    setSuggest(null)
  }, [readOnly, stopTyping, session, room.id])

  const onChange = (value: string, caret: number) => {
    setText(value)
    if (!editing) session.drafts.set(room.id, value)
    const before = value.slice(0, caret)
    const match = /(?:^|\s)@([\w.-]*)$/.exec(before)
    setSuggest(match ? { query: match[1] ?? '', start: caret - (match[1]?.length ?? 0) - 1, index: 0 } : null)
    if (value.trim() === '') return stopTyping()
    const now = Date.now()
    if (now - typingSince.current > TYPING_RENEW_MS) {
      typingSince.current = now
      sendTyping(true)
    }
    if (typingStop.current) clearTimeout(typingStop.current)
    typingStop.current = setTimeout(stopTyping, TYPING_RENEW_MS * 2)
  }

  const candidates = useMentionCandidates(session, room.id, suggest ? suggest.query : null, participants)

  const pick = (p: MentionCandidate) => {
    if (!suggest) return
    const insert = `${mentionText(p)} `
    const caret = input.current?.selectionStart ?? text.length
    const next = text.slice(0, suggest.start) + insert + text.slice(caret)
    setText(next)
    session.drafts.set(room.id, next)
    setSuggest(null)
    requestAnimationFrame(() => {
      const position = suggest.start + insert.length
      input.current?.setSelectionRange(position, position)
    })
  }

  const submit = async () => {
    const body = text.trim()
    if (!body || busy) return
    const rest = session.parley.rest
    const done = await run(async () => {
      try {
        const message = editing
          ? await rest.edit(room.id, editing.seq, body)
          : await rest.post(room.id, body, replyTo?.seq)
        timeline.upsert(message)
      } catch (error) {
        // A room hosted elsewhere whose host is down: kept and sent later (it arrives as an event); never resend.
        if (!(error instanceof ParleyApiError && error.code === 'write-queued')) throw error
      }
      return true
    })
    if (!done) return
    stopTyping()
    setText('')
    if (!editing) session.drafts.set(room.id, '')
    onDone()
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggest && candidates.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault()
        const delta = event.key === 'ArrowDown' ? 1 : -1
        setSuggest({ ...suggest, index: (suggest.index + delta + candidates.length) % candidates.length })
        return
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault()
        const chosen = candidates[suggest.index]
        if (chosen) pick(chosen)
        return
      }
      if (event.key === 'Escape') {
        setSuggest(null)
        return
      }
    }
    if (event.key === 'Escape' && (editing || replyTo)) {
      setText(editing ? session.drafts.get(room.id) : text)
      onDone()
      return
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault()
      void submit()
    }
  }

  if (readOnly) return <p className="composer muted">{t('chat.readOnly')}</p>
  const listboxId = `mentions-${room.id}`
  const activeId = suggest && candidates[suggest.index] ? `${listboxId}-${suggest.index}` : undefined
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault()
        void submit()
      }}
    >
      {(replyTo || editing) && (
        <div className="composer-context">
          <span>
            {editing ? t('chat.editing') : t('chat.replyingTo', { name: replyTo?.actor.name })}
            {replyTo && <span className="muted"> — {replyTo.body.slice(0, 80)}</span>}
          </span>
          <button
            type="button"
            className="icon-button"
            aria-label={editing ? t('chat.cancelEdit') : t('chat.cancelReply')}
            onClick={() => {
              if (editing) setText(session.drafts.get(room.id))
              onDone()
            }}
          >
            <X size={16} />
          </button>
        </div>
      )}
      {suggest && candidates.length > 0 && (
        <ul className="mention-list" role="listbox" id={listboxId} aria-label={t('chat.mentionSuggestions')}>
          {candidates.map((p, i) => (
            <li
              key={p.actorId}
              id={`${listboxId}-${i}`}
              role="option"
              aria-selected={i === suggest.index}
              onMouseDown={(e) => {
                e.preventDefault()
                pick(p)
              }}
            >
              {p.displayName} <span className="muted">{mentionText(p)}</span>
              {!p.inRoom && <span className="muted"> · {t('chat.notInRoom')}</span>}
            </li>
          ))}
        </ul>
      )}
      <ProblemNote problem={problem} />
      <div className="composer-row">
        {!editing && (
          <>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              tabIndex={-1}
              aria-hidden="true"
              onChange={(e) => {
                for (const file of e.target.files ?? []) session.uploads.start(room.id, file)
                e.target.value = ''
              }}
            />
            <button
              type="button"
              className="icon-button"
              aria-label={t('files.attach')}
              data-tip={t('files.attach')}
              onClick={() => picker.current?.click()}
            >
              <Paperclip size={20} />
            </button>
          </>
        )}
        <button
          type="button"
          className="icon-button"
          aria-label={t('chat.newPoll')}
          data-tip={t('chat.newPoll')}
          onClick={() => setPolling(true)}
        >
          <ListChecks size={20} />
        </button>
        <textarea
          ref={input}
          rows={1}
          value={text}
          placeholder={t('chat.composer', { room: room.remote?.name ?? room.name })}
          aria-label={t('chat.composer', { room: room.remote?.name ?? room.name })}
          role="combobox"
          aria-expanded={Boolean(suggest && candidates.length > 0)}
          aria-controls={suggest && candidates.length > 0 ? listboxId : undefined}
          aria-activedescendant={activeId}
          aria-autocomplete="list"
          onChange={(e) => onChange(e.target.value, e.target.selectionStart)}
          onKeyDown={onKeyDown}
          onBlur={() => setTimeout(() => setSuggest(null), 100)}
        />
        <button
          type="submit"
          className="primary send-button"
          disabled={busy || text.trim() === ''}
          aria-label={editing ? t('chat.save') : t('chat.send')}
          data-tip={editing ? t('chat.save') : t('chat.send')}
        >
          {editing ? <Check size={18} /> : <SendHorizontal size={18} />}
        </button>
      </div>
      <PollDialog room={room} timeline={timeline} open={polling} onOpenChange={setPolling} />
    </form>
  )
}
