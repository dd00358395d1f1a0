/** The ActivityPub document of a local user: a `Person` at /users/{username} with its RSA and Ed25519 keys. */
import { Temporal } from '@js-temporal/polyfill'
import { Endpoints, Image, Person } from '@fedify/fedify/vocab'
import type { Context } from '@fedify/fedify'
import type { LocalActor } from './ports.ts'
import { userIdentifier } from './actor-identifiers.ts'

/** The Person document of a local user (also sent in `Update`s when the profile changes). */
export async function buildPerson(ctx: Context<void>, user: LocalActor): Promise<Person> {
  const identifier = userIdentifier(user.username)
  const id = ctx.getActorUri(identifier)
  const pairs = await ctx.getActorKeyPairs(identifier)
  return new Person({
    id,
    preferredUsername: user.username,
    name: user.displayName,
    url: id,
    icon: user.avatar ? new Image({ url: new URL(user.avatar.path, id), mediaType: user.avatar.mediaType }) : null,
    published: Temporal.Instant.fromEpochMilliseconds(user.createdAt),
    inbox: ctx.getInboxUri(identifier),
    outbox: ctx.getCollectionUri('outbox', { identifier }),
    followers: ctx.getFollowersUri(identifier),
    following: ctx.getFollowingUri(identifier),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    publicKey: pairs[0]?.cryptographicKey ?? null,
    assertionMethods: pairs.map((pair) => pair.multikey),
    manuallyApprovesFollowers: false,
    discoverable: false,
    indexable: false,
  })
}
