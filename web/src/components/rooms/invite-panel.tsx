import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { RoomView } from '@parley/client/browser'
import { ParleyApiError } from '@parley/client/browser'
import { useObservable } from '../../data/observable.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'
import { PeopleSearch, type PickedPerson } from '../common/people-search.tsx'

/**
 * Invite people: those of this server found in the user directory (added at once), or anyone on
 * another server by handle (an ActivityPub invitation they accept or decline there).
 */
export function InvitePanel({ room }: { room: RoomView }) {
  const { t } = useTranslation()
  const session = useSession()
  const timeline = session.timeline(room.id)
  const here = useObservable(timeline.state).participants
  const { busy, problem, run } = useAction()
  const [done, setDone] = useState<string | null>(null)
  const rest = session.parley.rest
  const present = new Set(here.filter((p) => p.state !== 'banned').map((p) => p.actorId))

  const pick = async (person: PickedPerson) => {
    setDone(null)
    const ref = person.kind === 'local' ? person.user.username : person.handle
    const outcome = await run(async () => {
      // The server knows its own handles (resolved without a fetch); any other is invited over the Fediverse.
      try {
        return { added: await rest.addPerson(room.id, ref) }
      } catch (error) {
        if (!(person.kind === 'handle' && error instanceof ParleyApiError && error.code === 'person-not-local'))
          throw error
        await rest.federation.inviteRemote(room.id, ref)
        return { added: null }
      }
    })
    if (!outcome) return
    if (outcome.added) {
      await timeline.reload()
      setDone(t('room.added', { name: outcome.added.displayName }))
    } else setDone(t('room.inviteSent'))
  }
  return (
    <div className="stack">
      <PeopleSearch
        label={t('people.find')}
        action={t('room.add')}
        handleAction={t('room.invite')}
        busy={busy}
        exclude={present}
        onPick={(p) => void pick(p)}
      />
      <ProblemNote problem={problem} />
      {done && <p role="status">{done}</p>}
    </div>
  )
}
