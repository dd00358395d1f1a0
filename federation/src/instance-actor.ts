/**
 * The instance's own actor: an `Application` at /actor with its own key pairs. It speaks for the
 * instance as a whole — server-to-server call channels are signed with its key (call-channel-auth.ts),
 * so no local user's key stands in for the server — and, like Mastodon's instance actor, it gives
 * servers that fetch with authorized fetch a key that belongs to no person.
 */
import { Application, Endpoints } from '@fedify/fedify/vocab'
import type { Context } from '@fedify/fedify'
import { INSTANCE_IDENTIFIER } from './actor-identifiers.ts'

/** The owner id of the instance actor's key pairs in `instanceKeys`. */
export const INSTANCE_KEY_OWNER = 'instance'

/** The Application document of the instance actor. */
export async function buildInstanceActor(ctx: Context<void>, software: { name: string }): Promise<Application> {
  const id = ctx.getActorUri(INSTANCE_IDENTIFIER)
  const pairs = await ctx.getActorKeyPairs(INSTANCE_IDENTIFIER)
  return new Application({
    id,
    preferredUsername: new URL(ctx.origin).host,
    name: software.name,
    url: new URL('/', ctx.origin),
    inbox: ctx.getInboxUri(INSTANCE_IDENTIFIER),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    publicKey: pairs[0]?.cryptographicKey ?? null,
    assertionMethods: pairs.map((pair) => pair.multikey),
    manuallyApprovesFollowers: true,
    discoverable: false,
    indexable: false,
  })
}
