import { useTranslation } from 'react-i18next'
import { CalendarClock, Video } from 'lucide-react'
import type { RoomView } from '@parley/client/browser'
import { useObservable } from '../../data/observable.ts'
import { useSession } from '../common/hooks.ts'

/**
 * A meeting of the room is on (issue 13: "at start the room shows that the meeting's call is open").
 * Shown above the chat, whether or not the browser may notify: once its call runs, everyone gets
 * "Join call"; before, moderators get "Start the meeting's call" (the first to arrive opens it) and
 * everyone else reads that they wait for a moderator — the server refuses them the start then
 * (meeting-awaits-moderator), and the banner turns to "Join call" as soon as the call runs.
 */
export function MeetingBanner({ room, onJoin }: { room: RoomView; onJoin: () => void }) {
  const { t } = useTranslation()
  const session = useSession()
  const running = useObservable(session.meetingsNow.running)
  const calls = useObservable(session.calls.rooms)
  const occurrence = session.meetingsNow.inRoom(running, [room.id, ...(room.host ? [room.host.roomUri] : [])])
  if (!occurrence) return null
  const callOn = calls.has(room.id)
  const moderator = room.me?.role === 'owner' || room.me?.role === 'moderator'
  const title = occurrence.title
  return (
    <aside className="meeting-banner" aria-label={t('meetings.banner')}>
      <CalendarClock size={20} aria-hidden="true" />
      <p role="status">{callOn || moderator ? t('meetings.onNow', { title }) : t('meetings.waiting', { title })}</p>
      {(callOn || moderator) && (
        <button type="button" className="primary with-icon" onClick={onJoin}>
          <Video size={18} />
          {callOn ? t('room.joinCall') : t('meetings.startCall')}
        </button>
      )}
    </aside>
  )
}
