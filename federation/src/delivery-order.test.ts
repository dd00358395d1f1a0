import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sharedInboxesFirst } from './delivery-order.ts'

const follower = (name: string, shared: boolean) => ({
  id: new URL(`https://${name}.example/users/${name}`),
  inboxId: new URL(`https://${name}.example/users/${name}/inbox`),
  endpoints: shared ? { sharedInbox: new URL(`https://${name}.example/inbox`) } : null,
})

test('sharedInboxesFirst() puts followers with a shared inbox first, each group in its order', () => {
  const list = [follower('a', false), follower('b', true), follower('c', false), follower('d', true)]
  assert.deepEqual(
    sharedInboxesFirst(list).map((f) => f.id?.host),
    ['b.example', 'd.example', 'a.example', 'c.example'],
  )
  assert.equal(sharedInboxesFirst(list).length, list.length)
})
