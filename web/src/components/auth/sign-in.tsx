import * as Tabs from '@radix-ui/react-tabs'
import { useState, type ChangeEvent, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { MessagesSquare } from 'lucide-react'
import { Parley, type UserProfile } from '@parley/client/browser'
import { useAction } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'

type Props = { onSignedIn: (parley: Parley, profile: UserProfile) => void }

/** Sign in, or create an account (with an invite code when the server needs one). */
export function SignIn({ onSignedIn }: Props) {
  const { t } = useTranslation()
  return (
    <main className="auth" id="main">
      <div className="auth-card">
        <h1 className="brand">
          <span className="brand-mark large" aria-hidden="true">
            <MessagesSquare size={24} strokeWidth={2.25} />
          </span>
          {t('app.name')}
        </h1>
        <p className="muted">{t('auth.welcome')}</p>
        <Tabs.Root defaultValue="sign-in">
          <Tabs.List className="tabs" aria-label={t('app.name')}>
            <Tabs.Trigger value="sign-in">{t('auth.signIn')}</Tabs.Trigger>
            <Tabs.Trigger value="register">{t('auth.register')}</Tabs.Trigger>
          </Tabs.List>
          <Tabs.Content value="sign-in">
            <SignInForm onSignedIn={onSignedIn} />
          </Tabs.Content>
          <Tabs.Content value="register">
            <RegisterForm onSignedIn={onSignedIn} />
          </Tabs.Content>
        </Tabs.Root>
      </div>
    </main>
  )
}

function SignInForm({ onSignedIn }: Props) {
  const { t } = useTranslation()
  const { busy, problem, run } = useAction()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const result = await run(() => Parley.signIn({ baseUrl: location.origin, username, password }))
    if (result) onSignedIn(result.parley, result.session.user)
  }
  return (
    <form onSubmit={submit} className="form" aria-describedby={problem ? 'sign-in-problem' : undefined}>
      <label>
        {t('auth.username')}
        <input autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
      </label>
      <label>
        {t('auth.password')}
        <input
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <ProblemNote problem={problem} id="sign-in-problem" />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('auth.working') : t('auth.signIn')}
      </button>
    </form>
  )
}

function RegisterForm({ onSignedIn }: Props) {
  const { t } = useTranslation()
  const { busy, problem, run } = useAction()
  const [form, setForm] = useState({ username: '', password: '', displayName: '', inviteCode: '' })
  const set = (key: keyof typeof form) => (e: ChangeEvent<HTMLInputElement>) =>
    setForm({ ...form, [key]: e.target.value })
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const result = await run(() =>
      Parley.register({
        baseUrl: location.origin,
        username: form.username,
        password: form.password,
        ...(form.displayName ? { displayName: form.displayName } : {}),
        ...(form.inviteCode ? { inviteCode: form.inviteCode } : {}),
      }),
    )
    if (result) onSignedIn(result.parley, result.session.user)
  }
  return (
    <form onSubmit={submit} className="form">
      <label>
        {t('auth.username')}
        <input autoComplete="username" required value={form.username} onChange={set('username')} />
      </label>
      <label>
        {t('auth.displayName')}
        <input autoComplete="name" value={form.displayName} onChange={set('displayName')} />
      </label>
      <label>
        {t('auth.password')}
        <input
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          value={form.password}
          onChange={set('password')}
        />
      </label>
      <label>
        {t('auth.inviteCode')}
        <input value={form.inviteCode} onChange={set('inviteCode')} aria-describedby="invite-hint" />
      </label>
      <p id="invite-hint" className="hint">
        {t('auth.inviteHint')}
      </p>
      <ProblemNote problem={problem} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('auth.working') : t('auth.register')}
      </button>
    </form>
  )
}
