import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { FeedCopies } from './feed-copies.ts'

describe('FeedCopies', () => {
  it('FeedCopies.wait() resolves with the first copy once its bridge is up, at once when it is', async () => {
    const copies = new FeedCopies()
    const first = copies.wait('feed-1', 5000)
    assert.equal(copies.set('feed-1', 'copy-a'), undefined)
    assert.equal(await first, 'copy-a')
    assert.equal(await copies.wait('feed-1', 5000), 'copy-a')
  })

  it('FeedCopies.set() of a restarted bridge returns the copy it replaces', () => {
    const copies = new FeedCopies()
    copies.set('feed-1', 'copy-a')
    assert.equal(copies.set('feed-1', 'copy-b'), 'copy-a')
    assert.equal(copies.get('feed-1'), 'copy-b')
  })

  it('FeedCopies.wait() hears null when the feed goes, the wait times out, or the call closes', async () => {
    const copies = new FeedCopies()
    const gone = copies.wait('feed-1', 5000)
    copies.delete('feed-1')
    assert.equal(await gone, null)
    assert.equal(await copies.wait('feed-2', 10), null)
    const closing = copies.wait('feed-3', 5000)
    copies.close()
    assert.equal(await closing, null)
    assert.equal(copies.get('feed-1'), undefined)
  })
})
