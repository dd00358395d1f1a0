import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import Value from 'typebox/value'
import { ClientMessage, ServerMessage } from '@parley/protocol'

const spec = readFileSync(new URL('../../../spec/realtime.md', import.meta.url), 'utf8')
const examples = [...spec.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => m[1] as string)
const clientTypes = new Set(['hello', 'ping', 'typing'])
const serverOnlyTwins = (text: string) => text.includes('"actor"') || text.includes('"error"') // server typing/error frames

describe('spec/realtime.md examples', () => {
  it('spec/realtime.md has examples for every client and server message type', () => {
    const types = new Set(examples.map((e) => (JSON.parse(e) as { type: string }).type))
    for (const type of ['hello', 'ping', 'typing', 'welcome', 'event', 'resync', 'presence', 'room.added', 'room.removed', 'pong', 'error', 'bye']) {
      assert.ok(types.has(type), `an example of ${type}`)
    }
  })

  for (const example of examples) {
    const value = JSON.parse(example) as { type: string }
    const server = !clientTypes.has(value.type) || serverOnlyTwins(example)
    it(`spec example "${value.type}" ${example.slice(0, 50).replace(/\s+/g, ' ')}… matches ${server ? 'ServerMessage' : 'ClientMessage'}`, () => {
      const schema = server ? ServerMessage : ClientMessage
      const errors = [...Value.Errors(schema, value)].slice(0, 3).map((e) => `${e.instancePath} ${e.message}`)
      assert.equal(Value.Check(schema, value), true, errors.join('; '))
    })
  }
})
