/**
 * Member side of meetings: a room's host sends its meetings as `Event`s in `Create`, `Update` and
 * `Delete` (rooms/room-meetings.ts). Only the room may speak for its meetings: the Event's id must
 * lie under the activity's actor (whose signature Fedify verified) and be attributed to it, so an
 * `Update` or `Delete` forged by anyone else — another server, a member — changes nothing.
 * Nothing is fetched from elsewhere than the room's own server: an Event of another origin is
 * refused on its id alone, and the Event's linked (or foreign-id) attachments are not loaded.
 */
import type { Create, Update } from '@fedify/fedify/vocab'
import { Delete, Event, PropertyValue } from '@fedify/fedify/vocab'
import type { InboxContext } from '@fedify/fedify'
import { noteHtmlToText } from '../direct/note-text.ts'
import { MAX_EVENT_EXCEPTIONS, parseExceptions } from '../rooms/room-meetings.ts'
import { receivedTimeZone } from '../rooms/event-timezone.ts'
import { ownOriginLoaders, sameUrl, type InboxDeps } from './inbox-deps.ts'

/** Limits on what is kept of a remote Event (the server checks times, zone and rule again). */
const MAX_TITLE = 200
const MAX_DESCRIPTION = 5000
/** Longest property value read (the exceptions list is the long one). */
const MAX_PROPERTY = 40 * MAX_EVENT_EXCEPTIONS

function isMeetingOf(actor: URL, id: URL | null): boolean {
  return id !== null && id.origin === actor.origin && id.pathname.startsWith(`${actor.pathname}/meetings/`)
}

/**
 * Handles the activity when it is about a meeting (true), so other listeners skip it. A meeting
 * activity not sent by its room is refused here and logged.
 */
export async function onMeetingActivity(
  deps: InboxDeps,
  ctx: InboxContext<void>,
  activity: Create | Update | Delete,
): Promise<boolean> {
  const actor = activity.actorId
  const target = activity.objectId
  if (!actor || activity.id === null || !target || !target.pathname.includes('/meetings/')) return false
  // Decided on the ids alone, before anything is fetched: only the room speaks for its meetings.
  if (!isMeetingOf(actor, target)) return refuse(deps, activity.id, actor)
  if (activity instanceof Delete) {
    if (!deps.policy.blocks(actor))
      await deps.meetings?.cancelled(actor.href, target.href, activity.published?.epochMilliseconds ?? deps.now())
    return true
  }
  if (deps.policy.blocks(actor)) return true
  const loaders = ownOriginLoaders(ctx, actor)
  const event = await activity.getObject(loaders).catch(() => null)
  if (!(event instanceof Event)) return true
  if (!sameUrl(event.id, target) || !sameUrl(event.attributionId, actor)) return refuse(deps, activity.id, actor)
  const startsAt = event.startTime?.epochMilliseconds
  const endsAt = event.endTime?.epochMilliseconds
  if (startsAt === undefined || endsAt === undefined || !(endsAt > startsAt)) {
    deps.log.warn({ activity: activity.id.href }, 'meeting Event without a valid start and end ignored')
    return true
  }
  const properties = new Map<string, string>()
  for await (const attachment of event.getAttachments({ ...loaders, suppressError: true }))
    if (attachment instanceof PropertyValue && attachment.name !== null && attachment.value !== null)
      properties.set(String(attachment.name), String(attachment.value).slice(0, MAX_PROPERTY))
  const url = event.url instanceof URL ? event.url : (event.url?.href ?? null)
  await deps.meetings?.received({
    eventId: event.id!.href,
    roomId: actor.href,
    title: String(event.name ?? 'Meeting').slice(0, MAX_TITLE) || 'Meeting',
    description: noteHtmlToText(String(event.summary ?? '')).slice(0, MAX_DESCRIPTION),
    startsAt,
    endsAt,
    // Mobilizon's `timezone` first (Parley sends it too), then the PropertyValue older Parley instances send.
    timeZone: (await receivedTimeZone(activity, event)) ?? properties.get('timezone') ?? null,
    recurrence: properties.get('rrule')?.slice(0, 300) ?? null,
    exceptions: parseExceptions(properties.get('exceptions') ?? ''),
    joinUrl: url && (url.protocol === 'https:' || url.protocol === 'http:') ? url.href : null,
    updatedAt: event.updated?.epochMilliseconds ?? activity.published?.epochMilliseconds ?? deps.now(),
  })
  return true
}

function refuse(deps: InboxDeps, activity: URL, actor: URL): true {
  deps.log.warn({ activity: activity.href, actor: actor.href }, 'meeting Event not sent by its room refused')
  return true
}
