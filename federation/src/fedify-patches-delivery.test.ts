/**
 * The `deliveryFetch` hunk of the `@fedify/fedify` patch (patches/README.md): deliveries, and their
 * double-knock retry, are posted with the function the federation was given. The test fails on
 * unpatched Fedify, which posts with the global fetch. The other Fedify patches are tested in
 * fedify-patches.test.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Update } from '@fedify/fedify/vocab'
import { startStarSender } from './test-support/star-sender.ts'

test(
  "patched @fedify/fedify: deliveries and their double-knock retry are posted with the federation's deliveryFetch",
  { timeout: 20_000 },
  async (t) => {
    const posted: Request[] = []
    const secondKnock = Promise.withResolvers<void>()
    // The first answer refuses the signature, so Fedify knocks again with the other spec.
    const deliveryFetch = async (request: Request) => {
      posted.push(request)
      if (posted.length === 2) secondKnock.resolve()
      return new Response(null, { status: posted.length === 1 ? 401 : 202 })
    }
    const { ctx } = await startStarSender(t, { deliveryFetch })
    // An address nothing listens on: unpatched Fedify posts with the global fetch, which fails there.
    const recipient = {
      id: new URL('https://inbox.invalid/users/f'),
      inboxId: new URL('https://inbox.invalid/users/f/inbox'),
    }
    await ctx.sendActivity(
      { identifier: 'star' },
      recipient,
      new Update({ id: new URL('https://parley.example/users/star#update-9'), actor: ctx.getActorUri('star') }),
    )
    // Unpatched, the global fetch posts instead and this never comes: the test times out.
    await secondKnock.promise
    assert.equal(posted.length, 2, 'the delivery and its second knock')
    for (const request of posted) {
      assert.equal(request.url, 'https://inbox.invalid/users/f/inbox')
      assert.equal(request.method, 'POST')
    }
    const specs = posted.map((request) => (request.headers.has('signature-input') ? 'rfc9421' : 'draft-cavage'))
    assert.deepEqual(specs, ['rfc9421', 'draft-cavage'])
  },
)
