/**
 * Meetings of local rooms go out as the room's ActivityPub Event (federation/rooms/room-meetings.ts)
 * after every change. Outbound federation never fails the local action: the send is queued by
 * Fedify, and a failure to queue it is logged.
 */
import type { MeetingChange, ParleyFederation } from '@parley/federation'
import type { Logger } from '../logger.ts'
import type { MeetingRecord } from '../store/meeting-records.ts'
import type { Store } from '../store/ports.ts'
import { joinUrlOf } from '../meetings/meeting-views.ts'

export function meetingFederation(deps: {
  federation: ParleyFederation
  store: Store
  logger: Logger
  publicOrigin: string
}) {
  return (meeting: MeetingRecord, change: MeetingChange): void => {
    // Copies of meetings hosted elsewhere are their host's to send.
    if (meeting.origin !== null) return
    deps.store.meetings
      .exceptions([meeting.id])
      .then((exceptions) =>
        deps.federation.rooms.sendMeeting(
          meeting.roomId,
          {
            id: meeting.id,
            title: meeting.title,
            description: meeting.description,
            startsAt: meeting.startsAt,
            endsAt: meeting.endsAt,
            timeZone: meeting.timeZone,
            recurrence: meeting.recurrence,
            joinUrl: joinUrlOf(meeting, deps.publicOrigin),
            exceptions,
            sequence: meeting.sequence,
            updatedAt: meeting.updatedAt,
          },
          change,
        ),
      )
      .catch((error: unknown) =>
        deps.logger.warn(
          { err: error, component: 'federation', roomId: meeting.roomId, meetingId: meeting.id },
          'meeting could not be queued for federation',
        ),
      )
  }
}
