import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { isBindingSuccess, parseIceUrl, stunAnswers, stunBindingRequest } from './stun-probe.ts'

test('parseIceUrl() reads host, port and transport with the RFC 7064/7065 defaults', () => {
  assert.deepEqual(parseIceUrl('stun:turn.example.org'), {
    scheme: 'stun',
    host: 'turn.example.org',
    port: 3478,
    transport: 'udp',
  })
  assert.deepEqual(parseIceUrl('turn:10.0.0.1:3479?transport=tcp'), {
    scheme: 'turn',
    host: '10.0.0.1',
    port: 3479,
    transport: 'tcp',
  })
  assert.deepEqual(parseIceUrl('turns:turn.example.org'), {
    scheme: 'turns',
    host: 'turn.example.org',
    port: 5349,
    transport: 'tcp',
  })
  assert.deepEqual(parseIceUrl('turn:[::1]:3478'), { scheme: 'turn', host: '::1', port: 3478, transport: 'udp' })
  assert.equal(parseIceUrl('http://example.org'), undefined)
})

test('stunAnswers() is true for a server answering the Binding request and false for silence', async () => {
  const server = createSocket('udp4')
  server.on('message', (message, peer) => {
    const reply = Buffer.from(message)
    reply.writeUInt16BE(0x0101, 0)
    server.send(reply, peer.port, peer.address)
  })
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve))
  const { port } = server.address()
  assert.equal(await stunAnswers('127.0.0.1', port, 1000), true)
  server.close()
  assert.equal(await stunAnswers('127.0.0.1', port, 200), false)
  const id = Buffer.alloc(12, 7)
  assert.equal(isBindingSuccess(stunBindingRequest(id), id), false, 'a request is not a success response')
})
