import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger } from '../../logger.ts'
import { MeshEngine, type MeshSignal } from './mesh-engine.ts'

const logger = createLogger('silent')
const offer: MeshSignal = {
  type: 'offer',
  sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n',
}

test('MeshRouter.join() refuses one participant past the cap with call-full', async () => {
  const engine = new MeshEngine({ maxParticipants: 3, logger })
  const created = await engine.createRouter({ callId: 'call-1' })
  assert.ok(created.ok)
  const router = created.value
  for (const id of ['a', 'b', 'c']) assert.deepEqual(router.join(id), { ok: true, value: undefined })
  assert.deepEqual(router.join('d'), { ok: false, error: { type: 'call-full', max: 3 } })
  assert.deepEqual(router.join('a'), { ok: true, value: undefined }, 'joining twice is not a second seat')
  router.leave('b')
  assert.equal(router.join('d').ok, true)
  assert.deepEqual([...router.participants].sort(), ['a', 'c', 'd'])
})

test('MeshRouter.relay() delivers only between participants of the same call and checks SDP', async () => {
  const engine = new MeshEngine({ maxParticipants: 5, logger })
  const one = await engine.createRouter({ callId: 'one' })
  const two = await engine.createRouter({ callId: 'two' })
  assert.ok(one.ok && two.ok)
  one.value.join('alice')
  one.value.join('bob')
  two.value.join('carol')
  const delivered: [string, string, string][] = []
  one.value.observer.on('signal', (to, from, signal) => delivered.push([to, from, signal.type]))
  assert.equal(one.value.relay('alice', 'bob', offer).ok, true)
  assert.equal(one.value.relay('bob', 'alice', { type: 'candidate', candidate: null }).ok, true)
  assert.deepEqual(one.value.relay('alice', 'carol', offer), {
    ok: false,
    error: { type: 'not-in-call', participantId: 'carol' },
  })
  assert.deepEqual(one.value.relay('mallory', 'bob', offer), {
    ok: false,
    error: { type: 'not-in-call', participantId: 'mallory' },
  })
  const bad = one.value.relay('alice', 'bob', { type: 'answer', sdp: 'hello' })
  assert.equal(!bad.ok && bad.error.type, 'invalid-sdp')
  assert.deepEqual(delivered, [
    ['bob', 'alice', 'offer'],
    ['alice', 'bob', 'candidate'],
  ])
})

test('MeshEngine.close() closes its routers once and forgets them', async () => {
  const engine = new MeshEngine({ maxParticipants: 5, logger })
  const created = await engine.createRouter({ callId: 'c' })
  assert.ok(created.ok)
  const reasons: string[] = []
  created.value.observer.on('close', (reason) => reasons.push(reason))
  engine.close()
  engine.close()
  assert.deepEqual(reasons, ['engine closed'])
  assert.equal(engine.routers.size, 0)
  assert.throws(() => created.value.join('x'), { name: 'InvalidStateError' })
  assert.throws(() => new MeshEngine({ maxParticipants: 1, logger }), TypeError)
})
