import { useCallback, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Inbox } from 'lucide-react'
import type { RoomInvitationView } from '@parley/client/browser'
import { useObservable } from '../../data/observable.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'

/** `@name@host` for an actor URL shaped like Parley's and Mastodon's (…/users/name), else the URL itself. */
function handleOf(actorUrl: string): string {
  try {
    const url = new URL(actorUrl)
    const name = /^\/users\/([^/]+)$/.exec(url.pathname)?.[1]
    return name ? `@${decodeURIComponent(name)}@${url.host}` : actorUrl
  } catch {
    return actorUrl
  }
}

/** Invitations to rooms on other servers: accept (the room joins the room list) or decline. */
export function InvitationsView() {
  const { t } = useTranslation()
  const session = useSession()
  const changed = useObservable(session.invitationsChanged)
  const { busy, problem, run } = useAction()
  const [invitations, setInvitations] = useState<RoomInvitationView[] | null>(null)
  const federation = session.parley.federation
  const load = useCallback(
    () => void run(() => federation.invitations()).then((list) => list && setInvitations(list.invitations)),
    [federation, run],
  )
  useEffect(load, [load, changed])
  const answer = async (invitation: RoomInvitationView, accept: boolean) => {
    const done = await run(async () => {
      await federation.answerInvitation(invitation.inviteId, accept)
      return true
    })
    if (!done) return
    setInvitations((list) => list?.filter((i) => i.inviteId !== invitation.inviteId) ?? null)
    if (accept) void session.rooms.load()
  }
  return (
    <section className="page" aria-labelledby="invitations-title">
      <h1 id="invitations-title">{t('invitations.title')}</h1>
      <ProblemNote problem={problem} />
      {invitations?.length === 0 && (
        <div className="empty-state">
          <span className="empty-icon" aria-hidden="true">
            <Inbox size={32} strokeWidth={1.5} />
          </span>
          <p>{t('invitations.none')}</p>
          <p className="hint">{t('invitations.noneHint')}</p>
        </div>
      )}
      <ul className="cards">
        {invitations?.map((i) => (
          <li key={i.inviteId} className="card">
            <p>{t('invitations.from', { inviter: handleOf(i.inviterId), room: i.roomName })}</p>
            <div className="row">
              <button type="button" className="primary" disabled={busy} onClick={() => void answer(i, true)}>
                {t('invitations.accept')}
              </button>
              <button type="button" disabled={busy} onClick={() => void answer(i, false)}>
                {t('invitations.decline')}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  )
}
