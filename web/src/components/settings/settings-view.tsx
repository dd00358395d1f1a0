import { useEffect, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import type { TokenSummary } from '@parley/client/browser'
import { useObservable } from '../../data/observable.ts'
import { LANGUAGES, setLanguage, type Language } from '../../i18n/index.ts'
import { setTheme, theme, type ThemeChoice } from '../../theme.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'
import { AvatarCard } from './avatar-card.tsx'
import { StatusCard } from './status-card.tsx'
import { SecurityCards } from './security-cards.tsx'
import { disableWebPush, enableWebPush, webPushEnabled, webPushSupported } from '../../data/web-push.ts'

const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })

/** Profile, avatar, status, appearance, notifications, password, sessions and API tokens. */
export function SettingsView() {
  const { t } = useTranslation()
  return (
    <section className="page" aria-labelledby="settings-title">
      <h1 id="settings-title">{t('settings.title')}</h1>
      <Profile />
      <AvatarCard />
      <StatusCard />
      <Appearance />
      <Notifications />
      <SecurityCards />
      <Tokens />
    </section>
  )
}

function Profile() {
  const { t } = useTranslation()
  const session = useSession()
  const identity = useObservable(session.identity)
  const { busy, problem, run } = useAction()
  const [name, setName] = useState(identity.kind === 'user' ? identity.profile.displayName : '')
  const [saved, setSaved] = useState(false)
  if (identity.kind !== 'user') return null
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setSaved(false)
    const profile = await run(() => session.parley.account.updateProfile({ displayName: name.trim() }))
    if (profile) {
      session.setProfile(profile)
      setSaved(true)
    }
  }
  return (
    <form className="form card" onSubmit={submit} aria-labelledby="profile-title">
      <h2 id="profile-title">{t('settings.profile')}</h2>
      <p className="muted">@{identity.profile.username}</p>
      <label>
        {t('auth.displayName')}
        <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <ProblemNote problem={problem} />
      <div className="row end">
        {saved && <span role="status">{t('settings.saved')}</span>}
        <button type="submit" className="primary" disabled={busy}>
          {t('settings.save')}
        </button>
      </div>
    </form>
  )
}

function Appearance() {
  const { t, i18n } = useTranslation()
  const choice = useObservable(theme)
  return (
    <div className="form card">
      <h2>{t('settings.appearance')}</h2>
      <label>
        {t('settings.language')}
        <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)}>
          {Object.entries(LANGUAGES).map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('settings.theme')}
        <select value={choice} onChange={(e) => setTheme(e.target.value as ThemeChoice)}>
          <option value="system">{t('settings.themeSystem')}</option>
          <option value="light">{t('settings.themeLight')}</option>
          <option value="dark">{t('settings.themeDark')}</option>
        </select>
      </label>
    </div>
  )
}

function Notifications() {
  const { t } = useTranslation()
  const notifier = useSession().notifier
  const permission = useObservable(notifier.permission)
  if (permission === 'unsupported') return null
  return (
    <div className="form card">
      <h2>{t('settings.notifications')}</h2>
      {permission === 'granted' && <p>{t('settings.notificationsOn')}</p>}
      {permission === 'denied' && <p>{t('settings.notificationsDenied')}</p>}
      {permission === 'default' && (
        <>
          <p>{t('settings.notificationsOff')}</p>
          <button type="button" className="primary" onClick={() => void notifier.ask()}>
            {t('settings.enable')}
          </button>
        </>
      )}
      <DevicePush blocked={permission === 'denied'} />
    </div>
  )
}

/** The toggle "Notifications on this device": Web Push through the service worker. */
function DevicePush({ blocked }: { blocked: boolean }) {
  const { t } = useTranslation()
  const session = useSession()
  const [on, setOn] = useState<boolean | null>(null)
  const { busy, problem, run } = useAction()
  useEffect(() => {
    let live = true
    webPushEnabled(session.parley)
      .then((enabled) => live && setOn(enabled))
      .catch(() => live && setOn(false))
    return () => {
      live = false
    }
  }, [session])
  if (!webPushSupported()) return null
  const toggle = async (next: boolean) => {
    const done = await run(async () => {
      if (!next) {
        await disableWebPush(session.parley)
        return true
      }
      // Asked through the notifier, so the card above says what the person chose.
      await session.notifier.ask()
      return enableWebPush(session.parley)
    })
    if (done !== undefined) setOn(next && done)
  }
  return (
    <>
      <label className="radio">
        <input
          type="checkbox"
          checked={on === true}
          // Blocked notifications (the card says so above) can be turned off here, not on.
          disabled={busy || on === null || (blocked && on !== true)}
          onChange={(e) => void toggle(e.target.checked)}
        />
        {t('settings.pushThisDevice')}
      </label>
      <ProblemNote problem={problem} />
    </>
  )
}

function Tokens() {
  const { t } = useTranslation()
  const session = useSession()
  const { busy, problem, run } = useAction()
  const [tokens, setTokens] = useState<TokenSummary[]>([])
  const [name, setName] = useState('')
  const [secret, setSecret] = useState<string | null>(null)
  const account = session.parley.account
  useEffect(() => {
    void run(() => account.tokens()).then((list) => list && setTokens(list.tokens))
  }, [account, run])
  if (session.identity.get().kind !== 'user') return null
  const create = async (event: FormEvent) => {
    event.preventDefault()
    const created = await run(() => account.createToken({ name: name.trim() }))
    if (!created) return
    setSecret(created.secret)
    setTokens((list) => [...list, created.token])
    setName('')
  }
  return (
    <div className="form card">
      <h2>{t('settings.tokens')}</h2>
      {tokens.length === 0 && <p className="muted">{t('settings.tokenNone')}</p>}
      <ul className="tokens">
        {tokens.map((token) => (
          <li key={token.id} className="row spread">
            <span>
              <strong>{token.name}</strong>{' '}
              <span className="muted">
                {token.expiresAt
                  ? t('settings.tokenExpires', { date: date.format(new Date(token.expiresAt)) })
                  : t('settings.tokenNever')}
                {token.lastUsedAt && ` · ${t('settings.tokenUsed', { date: date.format(new Date(token.lastUsedAt)) })}`}
              </span>
            </span>
            <button
              type="button"
              onClick={() =>
                void run(async () => {
                  await account.revokeToken(token.id)
                  setTokens((list) => list.filter((x) => x.id !== token.id))
                })
              }
            >
              {t('settings.tokenRevoke')}
            </button>
          </li>
        ))}
      </ul>
      {secret && (
        <p role="status" className="secret">
          {t('settings.tokenSecret')} <code>{secret}</code>
        </p>
      )}
      <form className="row" onSubmit={create}>
        <input
          required
          maxLength={100}
          aria-label={t('settings.tokenName')}
          placeholder={t('settings.tokenName')}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          {t('settings.tokenCreate')}
        </button>
      </form>
      <ProblemNote problem={problem} />
    </div>
  )
}
