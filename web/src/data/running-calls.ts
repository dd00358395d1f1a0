/**
 * The rooms of mine in which a call runs now: from the welcome (`calls`), then from the call frames
 * every session of a room receives (someone joined: it runs; call.ended: it stopped).
 */
import type { ServerCallMessage, ServerWelcome } from '@parley/client/browser'
import { Observable } from './observable.ts'

export class RunningCalls {
  readonly rooms = new Observable<ReadonlySet<string>>(new Set())

  onWelcome(welcome: ServerWelcome): void {
    this.rooms.set(new Set(welcome.calls))
  }

  onCall(frame: ServerCallMessage): void {
    if ((frame.type === 'call.participant' && frame.change === 'joined') || frame.type === 'call.joined') {
      if (!this.rooms.get().has(frame.roomId)) this.rooms.update((set) => new Set([...set, frame.roomId]))
    } else if (frame.type === 'call.ended' && this.rooms.get().has(frame.roomId))
      this.rooms.update((set) => new Set([...set].filter((id) => id !== frame.roomId)))
  }
}
