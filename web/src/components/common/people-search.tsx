import { useEffect, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { DirectoryEntry } from '@parley/client/browser'
import { useSession } from './hooks.ts'
import { Avatar } from './avatar.tsx'

/** A person picked in the search: someone of this server, or a Fediverse handle typed out. */
export type PickedPerson = { kind: 'local'; user: DirectoryEntry } | { kind: 'handle'; handle: string }

/** `@name@host` or `name@host`: a Fediverse handle, offered as it is typed (the server resolves it). */
const HANDLE = /^@?[^@\s]+@[^@\s]+$/
const SEARCH_DELAY_MS = 200

/**
 * Finds people: the server's user directory by prefix of username or display name, and a typed
 * `@name@host` offered as it is. `action` names what the buttons do ("Message", "Add").
 */
export function PeopleSearch({
  label,
  action,
  handleAction = action,
  busy,
  exclude = new Set(),
  onPick,
}: {
  label: string
  action: string
  /** What the button of a typed handle does, when it differs ("Invite" a remote person). */
  handleAction?: string
  busy: boolean
  exclude?: ReadonlySet<string>
  onPick: (person: PickedPerson) => void
}) {
  const { t } = useTranslation()
  const session = useSession()
  const [query, setQuery] = useState('')
  const [found, setFound] = useState<DirectoryEntry[] | null>(null)
  const hintId = useId()
  const typed = query.trim()

  useEffect(() => {
    if (!typed || HANDLE.test(typed)) {
      setFound(null)
      return
    }
    let cancelled = false
    const timer = setTimeout(() => {
      session.parley.rest
        .directory({ q: typed.replace(/^@/, ''), limit: 10 })
        .then(({ users }) => {
          if (cancelled) return
          session.avatars.set(users.map((u) => [u.id, u.avatarUrl] as const))
          setFound(users)
        })
        .catch((error: unknown) => {
          console.warn('directory search failed', error)
          if (!cancelled) setFound([])
        })
    }, SEARCH_DELAY_MS)
    return () => {
      cancelled = true
      clearTimeout(timer)
    }
  }, [typed, session])

  const people = (found ?? []).filter((u) => u.id !== session.actorId && !exclude.has(u.id))
  return (
    <div className="form">
      <label>
        {label}
        <input
          type="search"
          value={query}
          placeholder={t('people.placeholder')}
          aria-describedby={hintId}
          onChange={(e) => setQuery(e.target.value)}
        />
      </label>
      <p className="hint" id={hintId}>
        {t('people.hint')}
      </p>
      {HANDLE.test(typed) && (
        <ul className="people-results" aria-label={t('people.results')}>
          <li>
            <Avatar name={typed.replace(/^@/, '')} size={28} />
            <span className="grow">{typed.startsWith('@') ? typed : `@${typed}`}</span>
            <button
              type="button"
              disabled={busy}
              onClick={() => onPick({ kind: 'handle', handle: typed.startsWith('@') ? typed : `@${typed}` })}
            >
              {handleAction}
            </button>
          </li>
        </ul>
      )}
      {found !== null && (
        <ul className="people-results" aria-label={t('people.results')} aria-live="polite">
          {people.length === 0 && <li className="muted">{t('people.none')}</li>}
          {people.map((u) => (
            <li key={u.id}>
              <Avatar name={u.displayName} size={28} src={u.avatarUrl} />
              <span className="grow">
                {u.displayName} <span className="muted">{u.handle}</span>
              </span>
              <button
                type="button"
                disabled={busy}
                aria-label={`${action}: ${u.displayName}`}
                onClick={() => onPick({ kind: 'local', user: u })}
              >
                {action}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
