import { useCallback, useEffect, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import type { SessionView } from '@parley/client/browser'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/**
 * The password (the current one is asked for; other sessions and API tokens can be signed out with
 * the change) and the sessions I am signed in with, each revocable.
 */
export function SecurityCards() {
  const session = useSession()
  const [sessions, setSessions] = useState<SessionView[] | null>(null)
  const list = useAction()
  const account = session.parley.account
  const { run } = list
  const load = useCallback(
    () => run(() => account.sessions()).then((found) => found && setSessions(found.sessions)),
    [account, run],
  )
  useEffect(() => {
    if (session.isUser) void load()
  }, [load, session])
  if (!session.isUser) return null
  return (
    <>
      <PasswordCard onChanged={() => void load()} />
      <SessionsCard sessions={sessions} action={list} reload={() => void load()} />
    </>
  )
}

function PasswordCard({ onChanged }: { onChanged: () => void }) {
  const { t } = useTranslation()
  const session = useSession()
  const { busy, problem, run } = useAction()
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [signOutOthers, setSignOutOthers] = useState(true)
  const [done, setDone] = useState(false)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setDone(false)
    const changed = await run(async () => {
      await session.parley.account.changePassword({ currentPassword: current, newPassword: next, signOutOthers })
      return true
    })
    if (!changed) return
    setDone(true)
    setCurrent('')
    setNext('')
    onChanged()
  }
  return (
    <form className="form card" onSubmit={submit} aria-labelledby="password-title">
      <h2 id="password-title">{t('settings.password')}</h2>
      <label>
        {t('settings.currentPassword')}
        <input
          type="password"
          required
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
      </label>
      <label>
        {t('settings.newPassword')}
        <input
          type="password"
          required
          minLength={10}
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
      </label>
      <label className="radio">
        <input type="checkbox" checked={signOutOthers} onChange={(e) => setSignOutOthers(e.target.checked)} />
        {t('settings.signOutOthers')}
      </label>
      <ProblemNote problem={problem} />
      <div className="row end">
        {done && <span role="status">{t('settings.passwordChanged')}</span>}
        <button type="submit" className="primary" disabled={busy}>
          {t('settings.changePassword')}
        </button>
      </div>
    </form>
  )
}

function SessionsCard({
  sessions,
  action,
  reload,
}: {
  sessions: SessionView[] | null
  action: ReturnType<typeof useAction>
  reload: () => void
}) {
  const { t } = useTranslation()
  const account = useSession().parley.account
  return (
    <div className="form card" role="group" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t('settings.sessions')}</h2>
      <ul className="sessions" aria-busy={sessions === null}>
        {sessions?.map((s) => (
          <li key={s.id} className="row spread" data-current={s.current || undefined}>
            <span>
              <strong>{s.userAgent ? browserName(s.userAgent) : t('settings.sessionUnknown')}</strong>
              {s.current && <span className="tag"> {t('settings.sessionCurrent')}</span>}{' '}
              <span className="muted">{t('settings.sessionSince', { date: when.format(new Date(s.createdAt)) })}</span>
            </span>
            {!s.current && (
              <button
                type="button"
                disabled={action.busy}
                onClick={() => void action.run(() => account.revokeSession(s.id)).then(reload)}
              >
                {t('settings.sessionRevoke')}
              </button>
            )}
          </li>
        ))}
      </ul>
      <ProblemNote problem={action.problem} />
    </div>
  )
}

/** A short name for a user agent string ("Chrome on Linux"); the whole string when unknown. */
function browserName(agent: string): string {
  const browser = /Firefox|Edg|Chrome|Safari/.exec(agent)?.[0]
  const system = /Windows|Android|iPhone|iPad|Mac OS X|Linux/.exec(agent)?.[0]
  if (!browser) return agent.slice(0, 80)
  const name = browser === 'Edg' ? 'Edge' : browser
  return system ? `${name} · ${system.replace('Mac OS X', 'macOS')}` : name
}
