/**
 * The guest page of a public room's link: a name, the password if the room has one, then the
 * lobby (when it is on) until a moderator admits the guest, then the room itself.
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
        <GuestRoom roomId={roomId} session={joined.session} lobby={joined.lobby} roomName={joined.roomName} />
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
}: {
  roomId: string
  session: AppSession
  lobby: boolean
  roomName: string
}) {
  const { t } = useTranslation()
  const admitted = useObservable(session.admitted)
  const inLobby = lobby && !admitted.has(roomId)
  const [inCall, setInCall] = useState(false)
  return (
    <div className="shell guest-shell">
      <header className="topbar">
        <span className="brand-link">
          <span className="brand-mark" aria-hidden="true">
            <MessagesSquare size={18} strokeWidth={2.25} />
          </span>
          {t('app.name')}
        </span>
        <ConnectionBanner />
      </header>
      <main className="main" id="main">
        {inLobby ? (
          <section className="page lobby" aria-labelledby="lobby-title">
            <h1 id="lobby-title">{t('guest.title', { room: roomName })}</h1>
            <LobbyWait />
          </section>
        ) : (
          <RoomScreen roomId={roomId} inCall={inCall} onCallChange={setInCall} />
        )}
      </main>
    </div>
  )
}
