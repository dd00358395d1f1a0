/**
 * A raw ws client that records every frame, for the bad input the SDK never sends, and a polling
 * wait for conditions that may hold before a REST reply arrives.
 */
import { WebSocket as WsClient } from 'ws'
import type { ServerMessage } from '@parley/protocol'

/** A raw ws client that records every frame, for the bad-input cases the SDK never sends. */
export function rawClient(url: string, options: ConstructorParameters<typeof WsClient>[2] = {}) {
  const ws = new WsClient(url.replace(/^http/, 'ws') + '/api/v1/realtime', options)
  const frames: ServerMessage[] = []
  const waiters: { match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = []
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as ServerMessage
    frames.push(frame)
    for (const w of [...waiters])
      if (w.match(frame)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(frame)
      }
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  )
  return {
    ws,
    frames,
    closed,
    opened: new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    }),
    send: (value: unknown) => ws.send(typeof value === 'string' ? value : JSON.stringify(value)),
    next(match: (m: ServerMessage) => boolean, timeoutMs = 5000): Promise<ServerMessage> {
      const found = frames.find(match)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for a frame')), timeoutMs)
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer)
            resolve(m)
          },
        })
      })
    },
  }
}

/** Resolves once `condition` holds (polled), for events that may arrive before the REST reply. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
