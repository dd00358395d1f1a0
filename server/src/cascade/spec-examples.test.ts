import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import Value from 'typebox/value'
import {
  ClientMessage,
  HOST_CASCADE_FRAMES,
  HostCascadeFrame,
  PEER_CASCADE_FRAMES,
  PeerCascadeFrame,
} from '@parley/protocol'

// The JSON examples of spec/cascade.md, checked against the channel's wire schemas.
const spec = readFileSync(new URL('../../../spec/cascade.md', import.meta.url), 'utf8')
const examples = [...spec.matchAll(/```json\n([\s\S]*?)\n```/g)].map(
  (m) => JSON.parse(m[1] as string) as Record<string, unknown> & { type: string },
)
const typeOf = (schema: { properties: { type: { const: string } } }) => schema.properties.type.const
const peerTypes = new Set<string>(PEER_CASCADE_FRAMES.map((s) => typeOf(s as never)))
const hostTypes = new Set<string>(HOST_CASCADE_FRAMES.map((s) => typeOf(s as never)))

describe('spec/cascade.md examples', () => {
  it('spec/cascade.md has an example of every call channel frame', () => {
    const types = new Set(examples.map((e) => e.type))
    for (const type of [...peerTypes, ...hostTypes]) assert.ok(types.has(type), `an example of ${type}`)
  })

  for (const example of examples) {
    const [name, schema] = peerTypes.has(example.type)
      ? (['PeerCascadeFrame', PeerCascadeFrame] as const)
      : hostTypes.has(example.type)
        ? (['HostCascadeFrame', HostCascadeFrame] as const)
        : (['ClientMessage', ClientMessage] as const)
    it(`spec example "${example.type}" matches ${name}`, () => {
      const errors = [...Value.Errors(schema, example)].slice(0, 3).map((e) => `${e.instancePath} ${e.message}`)
      assert.equal(Value.Check(schema, example), true, errors.join('; '))
    })
  }

  it('a frame about a participant of a room rejects what the schema does not allow', () => {
    const call = examples.find((e) => e.type === 'cascade.call')
    assert.ok(call)
    assert.equal(Value.Check(PeerCascadeFrame, { ...call, session: '../../etc' }), false, 'session ids are plain')
    assert.equal(Value.Check(PeerCascadeFrame, { ...call, extra: true }), false, 'no unknown fields')
    assert.equal(Value.Check(PeerCascadeFrame, { ...call, message: { type: 'hello' } }), false, 'call frames only')
  })
})
