/**
 * Tests only: a Fedify federation (in memory, Fedify's own loaders) whose actor `star` has an RSA
 * key pair, its queue running until the test ends: what the patch tests send deliveries with.
 */
import type { TestContext } from 'node:test'
import { webcrypto } from 'node:crypto'
import { createFederation, InProcessMessageQueue, MemoryKvStore, type FederationOptions } from '@fedify/fedify'
import { Person } from '@fedify/fedify/vocab'

export async function startStarSender(t: TestContext, options: Partial<FederationOptions<void>> = {}) {
  const pair = await webcrypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )
  // Fedify's own loaders (sinks are on loopback); an Update needs only its preloaded contexts.
  const federation = createFederation<void>({
    kv: new MemoryKvStore(),
    queue: new InProcessMessageQueue(),
    allowPrivateAddress: true,
    ...options,
  })
  federation
    .setActorDispatcher('/users/{identifier}', async (ctx, identifier) =>
      identifier === 'star' ? new Person({ id: ctx.getActorUri(identifier), preferredUsername: identifier }) : null,
    )
    .setKeyPairsDispatcher(() => [pair])
  const abort = new AbortController()
  t.after(() => abort.abort())
  void federation.startQueue(undefined, { signal: abort.signal })
  return { pair, federation, ctx: federation.createContext(new URL('https://parley.example'), undefined) }
}
