/**
 * Tests only: a federation with one local actor (bob) and its shared inbox. With a queue (the
 * default) the inbox enqueues and the Create listener runs from the queue, as Parley's does;
 * without one, the listener gets the very activity the inbox handled. Nothing is fetched beyond
 * Fedify's preloaded contexts. `loads`
 * records what the federation's document loader was asked for, `keyPairLookups` whose key pairs
 * were read; `options` go to createFederation (the patch tests set the patched ones).
 */
import { createFederation, InProcessMessageQueue, MemoryKvStore, type FederationOptions } from '@fedify/fedify'
import { Create, Person } from '@fedify/fedify/vocab'
import type { DocumentLoader } from '@fedify/vocab-runtime'
import { preloadedContextLoader as contextLoader } from './mastodon-fixture.ts'

export function bobsFederation({
  received,
  queued = true,
  loads = [],
  keyPairLookups = [],
  options = {},
}: {
  received: Create[]
  queued?: boolean
  loads?: string[]
  keyPairLookups?: string[]
  options?: Partial<FederationOptions<void>>
}) {
  const documentLoader: DocumentLoader = (url) => {
    loads.push(url)
    return contextLoader(url)
  }
  const federation = createFederation<void>({
    kv: new MemoryKvStore(),
    ...(queued ? { queue: new InProcessMessageQueue() } : {}),
    documentLoaderFactory: () => documentLoader,
    contextLoaderFactory: () => contextLoader,
    ...options,
  })
  federation
    .setActorDispatcher('/users/{identifier}', (ctx, identifier) =>
      identifier === 'bob'
        ? new Person({
            id: ctx.getActorUri(identifier),
            preferredUsername: identifier,
            inbox: ctx.getInboxUri(identifier),
          })
        : null,
    )
    .setKeyPairsDispatcher((_ctx, identifier) => {
      keyPairLookups.push(identifier)
      return []
    })
  const listened = new Set<() => void>()
  federation.setInboxListeners('/users/{identifier}/inbox', '/inbox').on(Create, (_ctx, activity) => {
    received.push(activity)
    for (const done of listened) done()
  })
  /** Resolves once the listener has run `count` times in all. */
  const handled = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (received.length < count) return
        listened.delete(check)
        resolve()
      }
      listened.add(check)
      check()
    })
  return { federation, handled }
}
