/**
 * Member side of the reverse bridge: one of our participants' feeds (published on our own SFU)
 * republished into the host's call as that participant's feed, so everyone there sees it as theirs.
 * The bridge publishes for the participant's session with the ordinary `call.publish` inside
 * `cascade.call` (the host applies its permissions as for any publish) and the host's `call.answer`
 * comes back as `cascade.to-session`; `call.unpublish` lets it go.
 */
import { randomUUID } from 'node:crypto'
import type { ErrorCode, HostCascadeFrame, PeerCascadeFrame } from '@parley/protocol'
import type { FeedTarget, TargetPublication } from '../media/bridge/feed-ends.ts'
import type { MediaResult, MediaSource } from '../media/engine.ts'

export type RemoteFeedTargetOptions = {
  /** The room's actor id on its host. */
  room: string
  /** The participant's session, as the channel knows it, and who it is. */
  session: string
  actor: { id: string; name: string }
  send(frame: PeerCascadeFrame): void
  answerTimeoutMs?: number
  /** The host refused a publication (e.g. `permission-denied`): the owner decides whether to try again. */
  onRefused?: (code: ErrorCode, source: MediaSource) => void
}

type Pending = { resolve: (result: MediaResult<TargetPublication>) => void; timer: NodeJS.Timeout; source: MediaSource }

export class RemoteFeedTarget implements FeedTarget {
  readonly #options: RemoteFeedTargetOptions
  readonly #pending = new Map<string, Pending>()
  /** Per feed id on the host: who hears that the publication ended. */
  readonly #closeListeners = new Map<string, Array<(reason: string) => void>>()

  constructor(options: RemoteFeedTargetOptions) {
    this.#options = options
  }

  publish(_participantId: string, source: MediaSource, offerSdp: string): Promise<MediaResult<TargetPublication>> {
    const id = `bridge-${randomUUID()}`
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        resolve({
          ok: false,
          error: { type: 'engine-unavailable', message: 'the host did not answer the publish in time' },
        })
      }, this.#options.answerTimeoutMs ?? 10_000)
      this.#pending.set(id, { resolve, timer, source })
      this.#call({ type: 'call.publish', id, roomId: this.#options.room, source, sdp: offerSdp })
    })
  }

  /** A frame of the host for our participant's session; false when it was not about a publication of ours. */
  receive(frame: HostCascadeFrame): boolean {
    if (frame.type === 'cascade.left' && frame.session === this.#options.session && frame.room === this.#options.room) {
      for (const feedId of [...this.#closeListeners.keys()]) this.#ended(feedId, 'left the call')
      return false
    }
    if (frame.type !== 'cascade.to-session' || frame.session !== this.#options.session) return false
    const inner = frame.frame
    if (inner.type === 'call.answer' && inner.id && this.#pending.has(inner.id)) {
      const answered = inner
      this.#settle(inner.id, {
        ok: true,
        value: {
          producer: { id: answered.feedId },
          answerSdp: answered.sdp,
          close: () => {
            this.#closeListeners.delete(answered.feedId)
            this.#call({ type: 'call.unpublish', roomId: this.#options.room, source: answered.source })
          },
          onClose: (listener) => {
            const listeners = this.#closeListeners.get(answered.feedId) ?? []
            listeners.push(listener)
            this.#closeListeners.set(answered.feedId, listeners)
          },
        },
      })
      return true
    }
    if (inner.type === 'error' && inner.id && this.#pending.has(inner.id)) {
      const source = this.#pending.get(inner.id)?.source
      if (source) this.#options.onRefused?.(inner.error.code, source)
      this.#settle(inner.id, {
        ok: false,
        error: { type: 'engine-unavailable', message: `${inner.error.code}: ${inner.error.message}` },
      })
      return true
    }
    if (inner.type === 'call.feed' && inner.change === 'removed') {
      // Our publication was closed on the host (moderator, media server): the bridge ends.
      if (this.#closeListeners.has(inner.feed.feedId)) this.#ended(inner.feed.feedId, 'unpublished on the host')
    }
    return false
  }

  /** The channel dropped: the publications over it are gone. */
  channelDown(): void {
    for (const id of [...this.#pending.keys()])
      this.#settle(id, { ok: false, error: { type: 'engine-unavailable', message: 'call channel down' } })
    for (const feedId of [...this.#closeListeners.keys()]) this.#ended(feedId, 'channel down')
  }

  #ended(feedId: string, reason: string): void {
    const listeners = this.#closeListeners.get(feedId) ?? []
    this.#closeListeners.delete(feedId)
    for (const listener of listeners) listener(reason)
  }

  #settle(id: string, result: MediaResult<TargetPublication>): void {
    const pending = this.#pending.get(id)
    if (!pending) return
    this.#pending.delete(id)
    clearTimeout(pending.timer)
    pending.resolve(result)
  }

  #call(message: Extract<PeerCascadeFrame, { type: 'cascade.call' }>['message']): void {
    this.#options.send({
      type: 'cascade.call',
      room: this.#options.room,
      session: this.#options.session,
      actor: this.#options.actor,
      message,
    })
  }
}
