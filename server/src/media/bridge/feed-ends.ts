/**
 * The two ends a FeedBridge joins, whatever is behind them: the origin offers a feed to subscribe
 * to (an SFU router in this process, or a room's host over the call channel: remote-feed-origin.ts),
 * the target takes a publication. Adapters for an in-process Router are here.
 */
import type { MediaKind, MediaResult, MediaSource, Producer, Router } from '../engine.ts'

export type FeedInfo = { kinds: readonly MediaKind[]; source: MediaSource }

export interface OriginSubscription {
  readonly offerSdp: string
  answer(sdp: string): Promise<MediaResult<void>>
  /** Picks the simulcast layer the origin forwards (per remote instance, since werift cannot send simulcast). */
  chooseLayer?(spatialLayer: number): Promise<MediaResult<void>>
  close(): void
  onClose(listener: (reason: string) => void): void
}

export interface FeedOrigin {
  /** The feed as published now, or null when it is not (any more). */
  feed(feedId: string): FeedInfo | null
  subscribe(feedId: string, participantId: string): Promise<MediaResult<OriginSubscription>>
}

export interface TargetPublication {
  /** The copy on the target (a producer of an in-process router, or a feed id in a remote call). */
  readonly producer: Pick<Producer, 'id'>
  readonly answerSdp: string
  close(): void
  onClose(listener: (reason: string) => void): void
}

export interface FeedTarget {
  publish(participantId: string, source: MediaSource, offerSdp: string): Promise<MediaResult<TargetPublication>>
}

/** A router in this process as the origin of its feeds. */
export function routerOrigin(router: Router): FeedOrigin {
  return {
    feed(feedId) {
      const producer = router.producers.get(feedId)
      return producer && !producer.closed ? { kinds: producer.kinds, source: producer.source } : null
    },
    async subscribe(feedId, participantId) {
      const recv = await router.createRecvTransport({ participantId })
      if (!recv.ok) return recv
      const consumed = await recv.value.consume({ producerIds: [feedId] })
      if (!consumed.ok) {
        recv.value.close()
        return consumed
      }
      const transport = recv.value
      return {
        ok: true,
        value: {
          offerSdp: consumed.value.offerSdp,
          answer: (sdp) => transport.setRemoteAnswer(sdp),
          chooseLayer: async (spatialLayer) => {
            const video = [...transport.consumers.values()].find((c) => c.kind === 'video')
            return video ? video.setPreferredLayers({ spatialLayer }) : { ok: true, value: undefined }
          },
          close: () => transport.close(),
          onClose: (listener) => {
            transport.observer.once('close', listener)
            router.producers.get(feedId)?.observer.once('close', listener)
          },
        },
      }
    },
  }
}

/** A router in this process as the target of bridged feeds. */
export function routerTarget(router: Router): FeedTarget {
  return {
    async publish(participantId, source, offerSdp) {
      const send = await router.createSendTransport({ participantId })
      if (!send.ok) return send
      const produced = await send.value.produce({ source, offerSdp })
      if (!produced.ok) {
        send.value.close()
        return produced
      }
      const transport = send.value
      return {
        ok: true,
        value: {
          producer: produced.value.producer,
          answerSdp: produced.value.answerSdp,
          close: () => transport.close(),
          onClose: (listener) => transport.observer.once('close', listener),
        },
      }
    },
  }
}
