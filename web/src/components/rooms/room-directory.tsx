import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { RoomView } from '@parley/client/browser'
import { useObservable } from '../../data/observable.ts'
import { paths } from '../../router.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { Link } from '../common/link.tsx'
import { ProblemNote } from '../common/problem-note.tsx'

/**
 * The room directory: rooms their moderators list to signed-in people or to everyone (the
 * listing setting), less those I am in. Public ones are joined by their link; a listed group room
 * needs an invitation, which the card says.
 */
export function RoomDirectory() {
  const { t } = useTranslation()
  const session = useSession()
  const entries = useObservable(session.rooms.entries)
  const { problem, run } = useAction()
  const [rooms, setRooms] = useState<RoomView[] | null>(null)
  useEffect(() => {
    void run(() => session.parley.rest.listableRooms()).then((found) => found && setRooms(found.rooms))
  }, [run, session])
  const mine = new Set(entries.map((e) => e.room.id))
  const open = rooms?.filter((room) => !mine.has(room.id))
  return (
    <section className="stack" aria-labelledby="directory-title">
      <h2 id="directory-title">{t('directory.title')}</h2>
      <ProblemNote problem={problem} />
      {open?.length === 0 && <p className="muted">{t('directory.none')}</p>}
      <ul className="cards" aria-labelledby="directory-title">
        {open?.map((room) => (
          <li key={room.id} className="card">
            <p>
              <strong>{room.name}</strong>
            </p>
            {room.description && <p className="muted">{room.description}</p>}
            {room.kind === 'public' ? (
              <Link to={paths.join(room.id)}>{t('directory.join', { room: room.name })}</Link>
            ) : (
              <p className="hint">{t('directory.byInvitation')}</p>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}
