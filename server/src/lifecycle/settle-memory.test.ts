/**
 * settleMemory() gives back a young generation that a burst of allocation grew (what loading the
 * server's modules does): the semi-spaces V8 keeps committed shrink once it ran. Waits for the
 * shrink (the collection is incremental), never for a fixed time.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { getHeapSpaceStatistics } from 'node:v8'
import { settleMemory } from './settle-memory.ts'

const MB = 1024 * 1024
const newSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0

describe('settleMemory()', () => {
  it('shrinks the young generation a burst of allocation grew', async () => {
    // Survivors across scavenges make V8 grow the semi-spaces, as module loading does.
    let kept: number[][] = []
    for (let i = 0; i < 4000 && newSpace() < 16 * MB; i++) {
      kept.push(new Array(5000).fill(i))
      if (kept.length > 200) kept = kept.slice(100)
    }
    kept = []
    const grown = newSpace()
    assert.ok(grown >= 16 * MB, `the burst grew the young generation (${(grown / MB).toFixed(1)} MB)`)
    settleMemory()
    const deadline = Date.now() + 30_000
    while (newSpace() >= grown) {
      if (Date.now() > deadline) throw new Error('the young generation never shrank')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.ok(newSpace() < grown)
  })
})
