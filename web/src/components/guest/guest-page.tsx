/**
 * The guest page of a public room's link: a name, the password if the room has one, then the
 * lobby (when it is on) until a moderator admits the guest, then the room itself. When the visit
 * ends — turned away from the lobby, removed, banned, the room deleted, or the guest session over —
 * the page says so instead of offering to reconnect (a guest's session cannot come back); a guest
 * who stops waiting is back at this form.
 */
import { useEffect, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { MessagesSquare } from 'lucide-react'
import { Parley } from '@parley/client/browser'
import { AppSession } from '../../data/session.ts'
import { useObservable } from '../../data/observable.ts'
import { useAction, SessionContext } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'
import { LobbyWait } from '../rooms/lobby-wait.tsx'
import { RoomGone } from '../rooms/room-gone.tsx'
import { RoomScreen } from '../rooms/room-screen.tsx'
import { ConnectionBanner } from '../shell/connection-banner.tsx'

export function GuestPage({ roomId }: { roomId: string }) {
  const { t } = useTranslation()
  const { busy, problem, run } = useAction()
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [joined, setJoined] = useState<{ session: AppSession; lobby: boolean; roomName: string } | null>(null)

  useEffect(() => () => joined?.session.close(), [joined])

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const result = await run(async () => {
      const { parley, guest } = await Parley.joinAsGuest({
        baseUrl: location.origin,
        roomId,
        displayName: name.trim(),
        ...(password ? { password } : {}),
      })
      const session = AppSession.forGuest(parley, guest)
      await session.start()
      return { session, lobby: guest.room.me?.state === 'lobby', roomName: guest.room.name }
    })
    if (result) setJoined(result)
  }

  if (joined)
    return (
      <SessionContext.Provider value={joined.session}>
        <GuestRoom
          roomId={roomId}
          session={joined.session}
          lobby={joined.lobby}
          roomName={joined.roomName}
          onLeft={() => setJoined(null)}
        />
      </SessionContext.Provider>
    )
  return (
    <main className="auth" id="main">
      <form className="auth-card form" onSubmit={submit}>
        <h1>{t('guest.titleUnknown')}</h1>
        <label>
          {t('guest.name')}
          <input required maxLength={100} autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          {t('guest.password')}
          <input type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <ProblemNote problem={problem} />
        <button type="submit" className="primary" disabled={busy}>
          {t('guest.join')}
        </button>
        <a href="/">{t('guest.signInInstead')}</a>
      </form>
    </main>
  )
}

function GuestRoom({
  roomId,
  session,
  lobby,
  roomName,
  onLeft,
}: {
  roomId: string
  session: AppSession
  lobby: boolean
  roomName: string
  /** Back to the join form (the guest stopped waiting, or will join again). */
  onLeft: () => void
}) {
  const { t } = useTranslation()
  const admitted = useObservable(session.admitted)
  const inLobby = lobby && !admitted.has(roomId)
  const [inCall, setInCall] = useState(false)
  // The server says why the room is gone (room.removed), then ends the session (bye); leaving
  // by the guest's own button goes back to the form instead.
  const removed = useObservable(session.removed).get(roomId)
  const ended = useObservable(session.ended)
  const gone = removed && removed !== 'left' ? removed : null
  const leave = async () => {
    await session.parley.rest.leave(roomId)
    onLeft()
  }
  return (
    <div className="shell guest-shell">
      <header className="topbar">
        <span className="brand-link">
          <span className="brand-mark" aria-hidden="true">
            <MessagesSquare size={18} strokeWidth={2.25} />
          </span>
          {t('app.name')}
        </span>
        {!gone && ended === null && <ConnectionBanner />}
      </header>
      <main className="main" id="main">
        {gone ? (
          <section className="page lobby" aria-labelledby="lobby-title">
            <h1 id="lobby-title">{roomName}</h1>
            <RoomGone reason={gone} waiting={inLobby} />
          </section>
        ) : ended !== null && removed === undefined ? (
          <section className="page lobby" aria-labelledby="lobby-title">
            <h1 id="lobby-title">{roomName}</h1>
            <ProblemNote
              problem={{ code: ended, text: t('leaving.visitEnded.text'), next: t('leaving.visitEnded.next') }}
            />
            <button type="button" className="primary" onClick={onLeft}>
              {t('leaving.joinAgain')}
            </button>
          </section>
        ) : inLobby ? (
          <section className="page lobby" aria-labelledby="lobby-title">
            <h1 id="lobby-title">{t('guest.title', { room: roomName })}</h1>
            <LobbyWait onLeave={leave} />
          </section>
        ) : (
          <RoomScreen roomId={roomId} inCall={inCall} onCallChange={setInCall} onLeftLobby={onLeft} />
        )}
      </main>
    </div>
  )
}
