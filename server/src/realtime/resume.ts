/**
 * Resuming a room after a reconnect: the client says the last seq it saw; the session replays the
 * events after it from the event log (at most `maxReplay`), or, when the position is ahead of the
 * room (forged) or older than what the log keeps, sends a resync pointing at the history API.
 * Returns the floor: live frames at or below it were replayed (or are covered by the resync) and
 * are skipped, so nothing arrives twice.
 */
import type { ServerMessage } from '@parley/protocol'
import type { GatewayContext } from './gateway-context.ts'

type Sender = {
  send(message: ServerMessage): void
  sendRaw(raw: string | Buffer): void
  error(code: 'resume-invalid', id?: string, details?: Record<string, unknown>): void
}

export async function resumeRoom(
  session: Sender,
  ctx: GatewayContext,
  roomId: string,
  position: number,
  lastSeq: number,
): Promise<number> {
  const history = `/api/v1/rooms/${roomId}/messages`
  if (position > lastSeq) {
    session.error('resume-invalid', undefined, { roomId, position, lastSeq })
    session.send({ type: 'resync', roomId, lastSeq, history, reason: 'resume-invalid' })
    return lastSeq
  }
  if (position === lastSeq) return position
  const oldestKept = await ctx.store.events.oldestSeq(roomId)
  const pruned = oldestKept === null || oldestKept > position + 1
  const events = pruned ? [] : await ctx.store.events.since(roomId, position, ctx.limits.maxReplay + 1)
  if (pruned || events.length > ctx.limits.maxReplay) {
    session.send({ type: 'resync', roomId, lastSeq, history, reason: 'too-far-behind' })
    return lastSeq
  }
  let floor = position
  for (const event of events) {
    session.sendRaw(JSON.stringify({ type: 'event', roomId, seq: event.seq, replay: true, event: event.data }))
    floor = event.seq
  }
  return floor
}
