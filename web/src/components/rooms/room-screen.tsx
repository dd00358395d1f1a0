/**
 * A room: its header (back at phone width, name, call, details), the call when one is joined, and
 * the chat. Rooms of this server and rooms hosted elsewhere use the same screen.
 */
import { lazy, Suspense, useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ArrowLeft, Globe, Info, Lock, Video } from 'lucide-react'
import type { RoomView } from '@parley/client/browser'
import { useObservable } from '../../data/observable.ts'
import { navigate, paths } from '../../router.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { Link } from '../common/link.tsx'
import { ProblemNote } from '../common/problem-note.tsx'
import { ChatView } from '../chat/chat-view.tsx'
import { RoomDetails } from './room-details.tsx'
import { MeetingBanner } from './meeting-banner.tsx'
import { LobbyWait } from './lobby-wait.tsx'
import { RoomGone } from './room-gone.tsx'
import { followed } from '../../data/room-list.ts'

// Calls (WebRTC, device checks) load only when someone opens one: the first view stays small.
const CallScreen = lazy(() => import('../call/call-screen.tsx'))

export function RoomScreen({
  roomId,
  inCall,
  onCallChange = (join) => navigate(join ? paths.call(roomId) : paths.room(roomId)),
  onLeftLobby = () => navigate(paths.home()),
}: {
  roomId: string
  inCall: boolean
  /** Opens or closes the call (by default through the path: /r/:room/call). */
  onCallChange?: (inCall: boolean) => void
  /** After someone stopped waiting in the lobby and left the room (by default: home). */
  onLeftLobby?: () => void
}) {
  const { t } = useTranslation()
  const session = useSession()
  const entries = useObservable(session.rooms.entries)
  const listed = entries.find((e) => e.room.id === roomId)?.room
  const [fetched, setFetched] = useState<RoomView | null>(null)
  const { problem, run } = useAction()
  const [details, setDetails] = useState(false)
  const admitted = useObservable(session.admitted)
  // The server took the room from me (removed, banned, deleted, left elsewhere): a copy fetched
  // before the room list loaded must not keep the room open.
  const gone = useObservable(session.removed).get(roomId)
  const room = listed ?? (gone === undefined ? fetched : null)
  // Whether I was waiting in the lobby when the room went: then I was "not let in".
  const wasWaiting = useRef(false)

  // A room not in the list (opened before the list loaded, or a guest's, who has no list) is read
  // once; it follows renames, and when it leaves the list it is read again: a refusal says why.
  useEffect(() => {
    if (listed) return
    let current = true
    void run(() => session.parley.rest.room(roomId)).then((r) => current && setFetched(r ?? null))
    return () => {
      current = false
    }
  }, [listed, gone, roomId, run, session])
  useEffect(
    () =>
      session.parley.on('event', ({ roomId: id, event }) => {
        if (id === roomId && event.type === 'room.updated') setFetched((f) => f && followed(f, event.room))
      }),
    [roomId, session],
  )

  const leaveLobby = async () => {
    await session.parley.rest.leave(roomId)
    session.rooms.remove(roomId)
    onLeftLobby()
  }

  const guest = session.identity.get().kind === 'guest'
  if (!room)
    return (
      <section className="room" aria-label={t('room.info')}>
        <div className="room-gone">
          {gone ? <RoomGone reason={gone} waiting={wasWaiting.current} /> : <ProblemNote problem={problem} />}
          {!guest && (gone || problem) && <Link to={paths.home()}>{t('nav.back')}</Link>}
        </div>
      </section>
    )
  const title = room.remote?.name ?? room.name
  // Joined by link while the lobby is on: nothing of the room until a moderator admits me.
  const waiting = room.me?.state === 'lobby' && !admitted.has(room.id)
  wasWaiting.current = waiting
  return (
    <section className={inCall ? 'room in-call' : 'room'} aria-labelledby="room-title">
      <header className="room-header">
        {!guest && (
          <Link to={paths.home()} className="icon-button back" aria-label={t('nav.back')}>
            <ArrowLeft size={20} />
          </Link>
        )}
        <div className="room-title">
          <div className="room-title-line">
            <h1 id="room-title">{title}</h1>
            {room.e2ee && (
              <span className="tag e2ee-tag">
                <Lock size={12} />
                <span className="label-wide">{t('room.e2ee')}</span>
              </span>
            )}
            {room.host && (
              <span className="tag host-tag">
                <Globe size={12} />
                <span className="label-wide">{t('room.hostedOn', { host: room.host.instance })}</span>
              </span>
            )}
          </div>
          {room.description && <p className="muted room-description">{room.description}</p>}
        </div>
        {!waiting && (
          <div className="row">
            {!inCall && (
              <button type="button" className="primary with-icon" onClick={() => onCallChange(true)}>
                <Video size={18} />
                <span className="label-wide">{t('room.call')}</span>
              </button>
            )}
            <button
              type="button"
              className="icon-button"
              onClick={() => setDetails(true)}
              aria-haspopup="dialog"
              aria-label={t('room.info')}
              data-tip={t('room.info')}
            >
              <Info size={20} />
            </button>
          </div>
        )}
      </header>
      {waiting ? (
        <LobbyWait onLeave={leaveLobby} />
      ) : (
        <>
          {!inCall && <MeetingBanner room={room} onJoin={() => onCallChange(true)} />}
          {inCall && (
            <Suspense fallback={<p role="status">{t('app.loading')}</p>}>
              <CallScreen room={room} onClose={() => onCallChange(false)} />
            </Suspense>
          )}
          <ChatView room={room} />
          <RoomDetails room={room} open={details} onOpenChange={setDetails} />
        </>
      )}
    </section>
  )
}
