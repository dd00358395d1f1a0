import type { DocumentLoader } from '@fedify/fedify'
import { usernameOf } from '../actor-identifiers.ts'
import type {
  DirectConversationPort,
  FederationRepositories,
  LocalActor,
  LocalActorDirectory,
  MeetingsPort,
} from '../ports.ts'
import type { FederationLogger } from '../log.ts'
import type { DomainPolicy } from '../domain-policy.ts'
import type { ParsedActors } from '../parsed-actors.ts'

/** What inbox listeners use. The activity they get has a verified signature whose key its actor owns. */
export type InboxDeps = {
  repositories: FederationRepositories
  directory: LocalActorDirectory
  log: FederationLogger
  now: () => number
  /** Checked again here: an activity's actor may live elsewhere than its signer. */
  policy: DomainPolicy
  /** Direct messages become one-to-one conversations through the server (see direct/). */
  direct: DirectConversationPort
  /**
   * The cached, unsigned document loader. In inbox listeners Fedify's `ctx.documentLoader` signs
   * each fetch as the recipient and caches nothing; a sender's actor document is usually cached
   * already (its key was just fetched to check the signature), so it is read through this first.
   */
  publicLoader: DocumentLoader
  /** Remote actors read through `publicLoader`, kept parsed while the cached document is unchanged. */
  actors: ParsedActors
  /** Meetings of remote rooms local users are in (inbox/meetings.ts); absent: they are ignored. */
  meetings?: MeetingsPort
}

/** The local, not deleted, actor an URL names, if any. */
export async function localActorAt(
  deps: InboxDeps,
  ctx: { parseUri(uri: URL | null): { type: string; identifier?: string } | null },
  uri: URL | null,
): Promise<LocalActor | null> {
  const parsed = ctx.parseUri(uri)
  const username = parsed?.type === 'actor' ? usernameOf(parsed.identifier) : null
  if (username === null) return null
  const actor = await deps.directory.byUsername(username)
  return actor && actor.deletedAt === null ? actor : null
}

export function sameUrl(a: URL | string | null | undefined, b: URL | string | null | undefined): boolean {
  if (a == null || b == null) return false
  try {
    return new URL(a).href === new URL(b).href
  } catch {
    return false
  }
}

/**
 * The inbox context's loaders, made to fetch only from `actor`'s own origin: a URL elsewhere in
 * what an actor sent (an object, a linked attachment, an embedded one whose id Fedify reloads
 * because it names another server) is refused before any request is made — the address was chosen
 * by the sender, and only its own server speaks for what it sends.
 */
export function ownOriginLoaders(
  ctx: { documentLoader: DocumentLoader; contextLoader: DocumentLoader },
  actor: URL,
): { documentLoader: DocumentLoader; contextLoader: DocumentLoader } {
  const documentLoader: DocumentLoader = (url, options) =>
    new URL(url).origin === actor.origin
      ? ctx.documentLoader(url, options)
      : Promise.reject(new Error(`not fetched: ${url} is not on the sender's server (${actor.origin})`))
  return { documentLoader, contextLoader: ctx.contextLoader }
}
