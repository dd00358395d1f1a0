/**
 * One room as one session receives it: frames in sequence order, each durable event exactly once.
 *
 * - Until the session knows where the client starts in the room (welcome, resume), frames wait.
 * - Events at or below the floor (already delivered, replayed or covered by a resync) are dropped.
 * - With several nodes, events reach the bus from different processes and can arrive out of order
 *   (seq 6 before 5). Sequence numbers are dense, so a jump is a gap: later frames are held, and
 *   after a short wait the missing events are read from the event log (they are stored before they
 *   are published), then everything goes out in order.
 */
import type { ServerMessage } from '@parley/protocol'

export type StreamFrame = { raw: string | Buffer; frame: ServerMessage; seq: number | null }

export type RoomStreamDeps = {
  deliver(frame: StreamFrame): void
  /** Durable events with afterSeq < seq < beforeSeq, from the event log, ascending. */
  missing(afterSeq: number, beforeSeq: number): Promise<StreamFrame[]>
  onError(error: unknown): void
  /** How long to wait for a late frame before reading the log. */
  gapWaitMs: number
}

export class RoomStream {
  readonly #deps: RoomStreamDeps
  #floor = 0
  #waiting: StreamFrame[] | null = []
  #held: StreamFrame[] = []
  #filling = false
  #closed = false

  constructor(deps: RoomStreamDeps) {
    this.#deps = deps
  }

  /** The last seq delivered (or covered). */
  get floor(): number {
    return this.#floor
  }

  /** Starts delivering: frames at or below `floor` are the client's already. */
  start(floor: number): void {
    this.#floor = floor
    const waiting = this.#waiting ?? []
    this.#waiting = null
    for (const frame of waiting) this.accept(frame)
  }

  accept(frame: StreamFrame): void {
    if (this.#closed) return
    if (this.#waiting) {
      this.#waiting.push(frame)
      return
    }
    if (frame.seq === null) return this.#deps.deliver(frame)
    if (frame.seq <= this.#floor) return
    if (this.#filling || frame.seq > this.#floor + 1) {
      this.#held.push(frame)
      if (!this.#filling) void this.#fill()
      return
    }
    this.#floor = frame.seq
    this.#deps.deliver(frame)
  }

  close(): void {
    this.#closed = true
    this.#held = []
    this.#waiting = null
  }

  async #fill(): Promise<void> {
    this.#filling = true
    try {
      await new Promise((resolve) => setTimeout(resolve, this.#deps.gapWaitMs))
      while (this.#held.length > 0 && !this.#closed) {
        this.#held.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
        this.#drainInOrder()
        const next = this.#held[0]
        if (!next || next.seq === null) break
        const found = await this.#deps.missing(this.#floor, next.seq)
        for (const frame of found) {
          if (frame.seq !== null && frame.seq > this.#floor && frame.seq < next.seq) {
            this.#floor = frame.seq
            this.#deps.deliver(frame)
          }
        }
        // Whatever the log does not have (expired, pruned) will not come: move on.
        if (this.#floor < next.seq - 1) this.#floor = next.seq - 1
        this.#drainInOrder()
      }
    } catch (error) {
      this.#deps.onError(error)
      // Deliver what is held rather than lose it; order is best effort after a store failure.
      for (const frame of this.#held.splice(0))
        if (frame.seq !== null && frame.seq > this.#floor) {
          this.#floor = frame.seq
          this.#deps.deliver(frame)
        }
    } finally {
      this.#filling = false
    }
  }

  #drainInOrder(): void {
    while (this.#held.length > 0) {
      const first = this.#held[0] as StreamFrame
      const seq = first.seq ?? 0
      if (seq <= this.#floor) {
        this.#held.shift()
        continue
      }
      if (seq !== this.#floor + 1) return
      this.#held.shift()
      this.#floor = seq
      this.#deps.deliver(first)
    }
  }
}
