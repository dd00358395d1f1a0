import { useTranslation } from 'react-i18next'
import { ParleyApiError } from '@parley/client/browser'
import { navigate, paths } from '../../router.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { Modal } from '../common/modal.tsx'
import { ProblemNote } from '../common/problem-note.tsx'
import { PeopleSearch, type PickedPerson } from '../common/people-search.tsx'

/**
 * A one-to-one chat: with someone of this server found in the user directory, or with anyone on
 * the Fediverse by `@name@host` (a handle of this server is resolved here, without a fetch).
 */
export function NewChatDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const { t } = useTranslation()
  const session = useSession()
  const { busy, problem, run } = useAction()
  const rest = session.parley.rest
  const start = async (person: PickedPerson) => {
    const room = await run(async () => {
      if (person.kind === 'local') return rest.oneToOneWith(person.user.username)
      // The server knows its own handles (resolved without a fetch); any other is on the Fediverse.
      try {
        return await rest.oneToOneWith(person.handle)
      } catch (error) {
        if (error instanceof ParleyApiError && error.code === 'person-not-local')
          return rest.oneToOneRemote(person.handle)
        throw error
      }
    })
    if (!room) return
    await session.rooms.add(room.id)
    onOpenChange(false)
    navigate(paths.room(room.id))
  }
  return (
    <Modal open={open} onOpenChange={onOpenChange} title={t('create.chatTitle')}>
      <div className="form">
        <PeopleSearch label={t('people.find')} action={t('create.start')} busy={busy} onPick={(p) => void start(p)} />
        <ProblemNote problem={problem} />
        <div className="row end">
          <button type="button" onClick={() => onOpenChange(false)}>
            {t('create.cancel')}
          </button>
        </div>
      </div>
    </Modal>
  )
}
