import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import Value from 'typebox/value'
import { CLIENT_MESSAGE_TYPES, ClientMessage, ServerMessage } from '@parley/protocol'

const spec = readFileSync(new URL('../../../spec/realtime.md', import.meta.url), 'utf8')
const examples = [...spec.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => m[1] as string)
const clientTypes = new Set<string>(CLIENT_MESSAGE_TYPES)
const serverTypes = new Set(
  (ServerMessage as unknown as { anyOf: { properties: { type: { const: string } } }[] }).anyOf.map(
    (s) => s.properties.type.const,
  ),
)
/** Types both sides send: which one an example is follows from its fields. */
const serverShape = (value: Record<string, unknown>, text: string): boolean => {
  if (value.type === 'typing') return text.includes('"actor"')
  if (value.type === 'call.signal') return 'from' in value
  if (value.type === 'call.reaction') return 'participantId' in value
  if (value.type === 'call.recording') return !('id' in value)
  if (value.type === 'call.key' || value.type === 'call.key-ack') return 'from' in value
  return text.includes('"error"')
}

describe('spec/realtime.md examples', () => {
  it('spec/realtime.md has examples for every client and server message type', () => {
    const types = new Set(examples.map((e) => (JSON.parse(e) as { type: string }).type))
    for (const type of [...clientTypes, ...serverTypes]) assert.ok(types.has(type), `an example of ${type}`)
    for (const type of ['call.signal', 'call.reaction', 'call.recording', 'call.key', 'call.key-ack']) {
      const both = examples.map((e) => JSON.parse(e) as Record<string, unknown>).filter((e) => e.type === type)
      assert.ok(both.length >= 2, `${type}: an example from each side`)
    }
  })

  for (const example of examples) {
    const value = JSON.parse(example) as Record<string, unknown> & { type: string }
    const server = !clientTypes.has(value.type) || (serverTypes.has(value.type) && serverShape(value, example))
    it(`spec example "${value.type}" ${example.slice(0, 50).replace(/\s+/g, ' ')}… matches ${server ? 'ServerMessage' : 'ClientMessage'}`, () => {
      const schema = server ? ServerMessage : ClientMessage
      const errors = [...Value.Errors(schema, value)].slice(0, 3).map((e) => `${e.instancePath} ${e.message}`)
      assert.equal(Value.Check(schema, value), true, errors.join('; '))
    })
  }
})
