/**
 * My agenda in calendar apps: download it once as an .ics file, or subscribe to my private feed URL
 * (issue 13: "a per-user private calendar feed URL (a secret token, revocable)"). The server keeps
 * only the secret's hash, so the URL is shown once, when made; making a new one cuts the old one off,
 * and revoking ends the feed (calendar apps then get `calendar-feed-revoked`).
 */
import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Copy, Download, Link2, Link2Off } from 'lucide-react'
import type { CalendarFeedView } from '@parley/client/browser'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

type FeedState =
  | { status: 'unknown' }
  | { status: 'none' }
  /** A URL made earlier (here or elsewhere) works; its secret is not kept, so it cannot be shown again. */
  | { status: 'active'; since: string }
  | { status: 'made'; feed: CalendarFeedView; copied: boolean }
  | { status: 'revoked' }

export function CalendarFeedCard() {
  const { t } = useTranslation()
  const session = useSession()
  const { busy, problem, run } = useAction()
  const [state, setState] = useState<FeedState>({ status: 'unknown' })
  const meetings = session.parley.meetings

  useEffect(() => {
    let gone = false
    void meetings.feedStatus().then(
      (s) => {
        if (!gone)
          setState((now) =>
            now.status !== 'unknown'
              ? now
              : s.active && s.createdAt
                ? { status: 'active', since: s.createdAt }
                : { status: 'none' },
          )
      },
      // Unknown stays unknown: making or stopping a feed still works, and says what it did.
      () => {},
    )
    return () => {
      gone = true
    }
  }, [meetings])

  const make = async () => {
    const feed = await run(() => meetings.createFeed())
    if (feed) setState({ status: 'made', feed, copied: false })
  }
  const revoke = async () => {
    const done = await run(async () => {
      await meetings.revokeFeed()
      return true
    })
    if (done) setState({ status: 'revoked' })
  }
  const copy = async (feed: CalendarFeedView) => {
    const copied = await run(async () => {
      await navigator.clipboard.writeText(feed.url)
      return true
    })
    if (copied) setState({ status: 'made', feed, copied: true })
  }
  // The agenda's text comes through the SDK (with the session), saved by the browser from a Blob URL.
  const download = async () => {
    const text = await run(() => meetings.agenda())
    if (text === undefined) return
    const url = URL.createObjectURL(new Blob([text], { type: 'text/calendar' }))
    const link = document.createElement('a')
    link.href = url
    link.download = 'parley-agenda.ics'
    link.click()
    setTimeout(() => URL.revokeObjectURL(url), 60_000)
  }

  return (
    <div className="form card calendar-feed" role="group" aria-labelledby="calendar-feed-title">
      <h2 id="calendar-feed-title">{t('agenda.calendars')}</h2>
      <p className="hint">{t('agenda.downloadHint')}</p>
      <div className="row">
        <button type="button" className="with-icon" disabled={busy} onClick={() => void download()}>
          <Download size={16} aria-hidden="true" />
          {t('agenda.download')}
        </button>
      </div>
      <h3>{t('agenda.feed')}</h3>
      <p className="hint">{t('agenda.feedHint')}</p>
      {state.status === 'made' && (
        <>
          <label>
            {t('agenda.feedUrl')}
            <input
              readOnly
              className="feed-url"
              value={state.feed.url}
              aria-describedby="feed-once"
              onFocus={(e) => e.target.select()}
            />
          </label>
          <p id="feed-once" className="hint" role="status">
            {t('agenda.feedOnce', { date: when.format(new Date(state.feed.createdAt)) })}
          </p>
        </>
      )}
      {state.status === 'active' && (
        <p className="hint" role="status">
          {t('agenda.feedActive', { date: when.format(new Date(state.since)) })}
        </p>
      )}
      {state.status === 'none' && (
        <p className="hint" role="status">
          {t('agenda.feedNone')}
        </p>
      )}
      {state.status === 'revoked' && (
        <p className="hint" role="status">
          {t('agenda.feedRevoked')}
        </p>
      )}
      <ProblemNote problem={problem} />
      <div className="row">
        {state.status === 'made' && (
          <button type="button" className="with-icon" disabled={busy} onClick={() => void copy(state.feed)}>
            <Copy size={16} aria-hidden="true" />
            {state.copied ? t('agenda.copied') : t('agenda.copy')}
          </button>
        )}
        <button type="button" className="primary with-icon" disabled={busy} onClick={() => void make()}>
          <Link2 size={16} aria-hidden="true" />
          {state.status === 'made' || state.status === 'active' ? t('agenda.feedRenew') : t('agenda.feedMake')}
        </button>
        {(state.status === 'made' || state.status === 'active' || state.status === 'unknown') && (
          <button type="button" className="danger with-icon" disabled={busy} onClick={() => void revoke()}>
            <Link2Off size={16} aria-hidden="true" />
            {t('agenda.feedRevoke')}
          </button>
        )}
      </div>
    </div>
  )
}
