import { useTranslation } from 'react-i18next'
import type { RoomRemovedReason } from '@parley/client/browser'
import { ProblemNote } from '../common/problem-note.tsx'

/**
 * Why a room is no longer this person's, as the server said (room.removed): removed, banned, the
 * room deleted, or — for someone who was waiting in its lobby — not let in. Shown in place of the
 * room (or of the lobby's spinner) the moment it happens.
 */
export function RoomGone({ reason, waiting }: { reason: RoomRemovedReason; waiting: boolean }) {
  const { t } = useTranslation()
  const key = waiting && (reason === 'removed' || reason === 'banned') ? 'notLetIn' : reason
  return (
    <ProblemNote problem={{ code: `room-${reason}`, text: t(`leaving.${key}.text`), next: t(`leaving.${key}.next`) }} />
  )
}
