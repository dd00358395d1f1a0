/**
 * The top of the web client: finds the browser's session (or shows sign-in), starts the data layer,
 * and picks the screen for the path. The guest page of a public room's link works signed out.
 */
import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Parley } from '@parley/client/browser'
import { AppSession } from './data/session.ts'
import { problemOf, type Problem } from './data/errors.ts'
import { useRoute } from './router.ts'
import { SessionContext } from './components/common/hooks.ts'
import { SignIn } from './components/auth/sign-in.tsx'
import { AppShell } from './components/shell/app-shell.tsx'
import { GuestPage } from './components/guest/guest-page.tsx'
import { ProblemNote } from './components/common/problem-note.tsx'

type State =
  | { status: 'loading' }
  | { status: 'signed-out' }
  | { status: 'failed'; problem: Problem }
  | { status: 'ready'; session: AppSession }

const baseUrl = location.origin

export function App() {
  const { t } = useTranslation()
  const route = useRoute()
  const [state, setState] = useState<State>({ status: 'loading' })

  useEffect(() => {
    let cancelled = false
    Parley.resumeSession({ baseUrl }).then(
      async (resumed) => {
        if (cancelled) return resumed?.parley.close()
        if (!resumed) return setState({ status: 'signed-out' })
        await begin(new AppSession(resumed.parley, { kind: 'user', profile: resumed.session.user }))
      },
      (error: unknown) => !cancelled && setState({ status: 'failed', problem: problemOf(error, t) }),
    )
    return () => {
      cancelled = true
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  async function begin(session: AppSession) {
    setState({ status: 'ready', session })
    await session.start().catch((error: unknown) => setState({ status: 'failed', problem: problemOf(error, t) }))
  }

  if (state.status === 'loading')
    return (
      <p className="splash" role="status">
        {t('app.loading')}
      </p>
    )
  if (state.status === 'failed')
    return (
      <main className="splash">
        <ProblemNote problem={state.problem} />
        <button type="button" onClick={() => location.reload()}>
          {t('connection.connecting')}
        </button>
      </main>
    )
  if (state.status === 'signed-out') {
    if (route.name === 'join') return <GuestPage roomId={route.roomId} />
    return <SignIn onSignedIn={(parley, profile) => void begin(new AppSession(parley, { kind: 'user', profile }))} />
  }
  return (
    <SessionContext.Provider value={state.session}>
      <AppShell
        onSignedOut={() => {
          void state.session.signOut().then(() => setState({ status: 'signed-out' }))
        }}
      />
    </SessionContext.Provider>
  )
}
