/**
 * A room: its header (back at phone width, name, call, details), the call when one is joined, and
 * the chat. Rooms of this server and rooms hosted elsewhere use the same screen.
 */
import { lazy, Suspense, useEffect, useState } from 'react'
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

// Calls (WebRTC, device checks) load only when someone opens one: the first view stays small.
const CallScreen = lazy(() => import('../call/call-screen.tsx'))

export function RoomScreen({
  roomId,
  inCall,
  onCallChange = (join) => navigate(join ? paths.call(roomId) : paths.room(roomId)),
}: {
  roomId: string
  inCall: boolean
  /** Opens or closes the call (by default through the path: /r/:room/call). */
  onCallChange?: (inCall: boolean) => void
}) {
  const { t } = useTranslation()
  const session = useSession()
  const entries = useObservable(session.rooms.entries)
  const listed = entries.find((e) => e.room.id === roomId)?.room
  const [fetched, setFetched] = useState<RoomView | null>(null)
  const { problem, run } = useAction()
  const [details, setDetails] = useState(false)
  const admitted = useObservable(session.admitted)
  const room = listed ?? fetched

  useEffect(() => {
    if (listed) return
    void run(() => session.parley.rest.room(roomId)).then((r) => r && setFetched(r))
  }, [listed, roomId, run, session])

  if (!room)
    return (
      <section className="room" aria-label={t('room.info')}>
        <ProblemNote problem={problem} />
      </section>
    )
  const title = room.remote?.name ?? room.name
  const guest = session.identity.get().kind === 'guest'
  // Joined by link while the lobby is on: nothing of the room until a moderator admits me.
  const waiting = room.me?.state === 'lobby' && !admitted.has(room.id)
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
        <LobbyWait />
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
