import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { SearchX } from 'lucide-react'
import type { MessageView } from '@parley/client/browser'
import { useObservable } from '../../data/observable.ts'
import { paths } from '../../router.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { Link } from '../common/link.tsx'
import { ProblemNote } from '../common/problem-note.tsx'
import { RoomDirectory } from '../rooms/room-directory.tsx'

/** Search in every room of the person; below it, the rooms listed in the directory. */
export function SearchView() {
  const { t } = useTranslation()
  const session = useSession()
  const entries = useObservable(session.rooms.entries)
  const { busy, problem, run } = useAction()
  const [q, setQ] = useState('')
  const [results, setResults] = useState<MessageView[] | null>(null)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const found = await run(() => session.parley.rest.search(q.trim(), 50))
    if (found) setResults(found.messages)
  }
  const roomName = (id: string) => entries.find((e) => e.room.id === id)?.room.name ?? id
  return (
    <section className="page" aria-labelledby="search-title">
      <h1 id="search-title">{t('search.title')}</h1>
      <form role="search" className="row" onSubmit={submit}>
        <input
          type="search"
          required
          aria-label={t('search.placeholder')}
          placeholder={t('search.placeholder')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <button type="submit" className="primary" disabled={busy}>
          {t('search.title')}
        </button>
      </form>
      <ProblemNote problem={problem} />
      {results?.length === 0 && (
        <div className="empty-state">
          <span className="empty-icon" aria-hidden="true">
            <SearchX size={32} strokeWidth={1.5} />
          </span>
          <p>{t('search.none')}</p>
          <p className="hint">{t('search.noneHint')}</p>
        </div>
      )}
      <ul className="cards" aria-live="polite">
        {results?.map((m) => (
          <li key={`${m.roomId}:${m.seq}`} className="card">
            <p className="muted">
              {roomName(m.roomId)} · {m.actor.name}
            </p>
            <p>{m.body}</p>
            <Link to={paths.room(m.roomId)}>{t('search.open')}</Link>
          </li>
        ))}
      </ul>
      <RoomDirectory />
    </section>
  )
}
