/**
 * A STUN Binding request (RFC 8489) over UDP: the cheapest "does this STUN/TURN server answer" check,
 * used to know when coturn is ready and by `parley doctor`.
 */
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { isIPv6 } from 'node:net'

const BINDING_REQUEST = 0x0001
const BINDING_SUCCESS = 0x0101
const MAGIC_COOKIE = 0x2112a442

export function stunBindingRequest(transactionId: Buffer): Buffer {
  const message = Buffer.alloc(20)
  message.writeUInt16BE(BINDING_REQUEST, 0)
  message.writeUInt16BE(0, 2)
  message.writeUInt32BE(MAGIC_COOKIE, 4)
  transactionId.copy(message, 8)
  return message
}

export function isBindingSuccess(message: Buffer, transactionId: Buffer): boolean {
  return (
    message.length >= 20 &&
    message.readUInt16BE(0) === BINDING_SUCCESS &&
    message.readUInt32BE(4) === MAGIC_COOKIE &&
    message.subarray(8, 20).equals(transactionId)
  )
}

/** Resolves true when host:port answers a STUN Binding request within timeoutMs. */
export function stunAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4')
    const transactionId = randomBytes(12)
    const done = (answered: boolean) => {
      clearTimeout(timer)
      socket.close()
      resolve(answered)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    socket.on('error', () => done(false))
    socket.on('message', (message) => {
      if (isBindingSuccess(message, transactionId)) done(true)
    })
    socket.send(stunBindingRequest(transactionId), port, host)
  })
}

/** Host, port and transport of a stun:/turn:/turns: URL (RFC 7064/7065). */
export function parseIceUrl(
  url: string,
): { scheme: 'stun' | 'stuns' | 'turn' | 'turns'; host: string; port: number; transport: 'udp' | 'tcp' } | undefined {
  const match = /^(stuns?|turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/.exec(url)
  if (!match) return undefined
  const scheme = match[1] as 'stun' | 'stuns' | 'turn' | 'turns'
  const secure = scheme.endsWith('s')
  const host = (match[2] ?? '').replace(/^\[|\]$/g, '')
  const port = match[3] ? Number(match[3]) : secure ? 5349 : 3478
  const transport = match[4] === 'tcp' || secure ? 'tcp' : 'udp'
  return { scheme, host, port, transport }
}
