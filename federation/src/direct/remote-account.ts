/** A fetched remote actor as direct conversations keep it (ports.ts `RemoteAccount`). */
import type { Actor } from '@fedify/fedify/vocab'
import type { Context } from '@fedify/fedify'
import type { RemoteAccount } from '../ports.ts'

/** A remote actor as a direct conversation keeps it; null without an inbox (nowhere to reply). */
export async function remoteAccount(ctx: Context<void>, actor: Actor): Promise<RemoteAccount | null> {
  if (actor.id === null || actor.inboxId === null) return null
  let avatarUrl: string | null = null
  try {
    const icon = await actor.getIcon(ctx)
    const url = icon?.url
    avatarUrl = url instanceof URL ? url.href : (url?.href?.href ?? null)
  } catch {
    avatarUrl = null
  }
  const username = actor.preferredUsername?.toString() ?? null
  return {
    id: actor.id.href,
    name: actor.name?.toString() || username || actor.id.href,
    handle: username ? `@${username}@${actor.id.host}` : null,
    url: actor.url instanceof URL ? actor.url.href : (actor.url?.href?.href ?? null),
    avatarUrl,
    inbox: actor.inboxId.href,
    sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
  }
}
