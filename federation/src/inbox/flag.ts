/**
 * Flag: another server reports local users (and possibly their messages) to this instance's admins.
 * Mastodon sends it from its instance actor to the shared inbox, `object` listing the reported
 * account and statuses, `content` the reporter's comment. Stored as received, once per activity id;
 * a Flag naming no local user is ignored.
 */
import type { Flag } from '@fedify/fedify/vocab'
import type { InboxContext } from '@fedify/fedify'
import { localActorAt, type InboxDeps } from './inbox-deps.ts'

const MAX_OBJECTS = 100
const MAX_CONTENT = 10_000

export async function onFlag(deps: InboxDeps, ctx: InboxContext<void>, flag: Flag): Promise<void> {
  if (flag.id === null || flag.actorId === null) return
  const objectIds = flag.objectIds.slice(0, MAX_OBJECTS)
  const userIds = new Set<string>()
  for (const id of objectIds) {
    const local = await localActorAt(deps, ctx, id)
    if (local) userIds.add(local.userId)
  }
  if (userIds.size === 0) return
  const stored = await deps.repositories.reports.receive({
    activityId: flag.id.href,
    reporterId: flag.actorId.href,
    userIds: [...userIds],
    objectIds: objectIds.map((id) => id.href),
    content: (flag.content?.toString() ?? '').slice(0, MAX_CONTENT),
    receivedAt: deps.now(),
  })
  deps.log.info({ flag: flag.id.href, reporter: flag.actorId.href, users: userIds.size, stored }, 'report received')
}
