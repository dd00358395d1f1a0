/**
 * One of our sessions in a call bridged through our SFU (bridged-call.ts): its transports on our
 * router, the host feeds carried in for it, and the bridges republishing its own feeds into the
 * host's call as its feeds (`call.publish` for its session over the channel).
 */
import type { RTCIceServer } from 'werift'
import type { CallMediaFlags, CallSource, ErrorCode, PeerCascadeFrame, ServerMessage } from '@parley/protocol'
import type { Logger } from '../logger.ts'
import type { RecvTransport, Router, SendTransport } from '../media/engine.ts'
import { FeedBridges } from '../media/bridge/feed-bridges.ts'
import { routerOrigin } from '../media/bridge/feed-ends.ts'
import { RemoteFeedTarget } from './remote-feed-target.ts'

export type BridgedMember = {
  session: string
  /** Its participant id in the host's call. */
  participantId: string
  /** Sends a frame to the session (named as the session names the room). */
  deliver(frame: ServerMessage): void
  /** Its media flags as the host last said (mute and camera off hold on our router too). */
  media: CallMediaFlags
  sends: Map<CallSource, SendTransport>
  recv: RecvTransport | undefined
  /** Host feeds carried here for this session. */
  wants: Set<string>
  /** Our router's producer id → the host's feed id, for the tracks of this session's offers. */
  hostIds: Map<string, string>
  /** The simulcast layer this session asked for, per host feed (`call.layers`). */
  layers: Map<string, number>
  /** Its publications republished in the host's call, as its own. */
  outbound: FeedBridges
  target: RemoteFeedTarget
  /** Subscriptions and renegotiations of its receiving transport, one at a time. */
  order: Promise<unknown>
}

export function bridgedMember(options: {
  session: string
  participantId: string
  media: CallMediaFlags
  deliver(frame: ServerMessage): void
  /** The room's actor id on its host. */
  room: string
  router: Router
  actor: { id: string; name: string }
  send(frame: PeerCascadeFrame): void
  hostAddresses: readonly string[]
  iceServers(): readonly RTCIceServer[]
  logger: Logger
  /** The host refused one of its publications. */
  onRefused(code: ErrorCode, source: CallSource): void
}): BridgedMember {
  const target = new RemoteFeedTarget({
    room: options.room,
    session: options.session,
    actor: options.actor,
    send: options.send,
    onRefused: options.onRefused,
  })
  return {
    session: options.session,
    participantId: options.participantId,
    deliver: options.deliver,
    media: { ...options.media },
    sends: new Map(),
    recv: undefined,
    wants: new Set(),
    hostIds: new Map(),
    layers: new Map(),
    outbound: new FeedBridges({
      origin: routerOrigin(options.router),
      target,
      hostAddresses: options.hostAddresses,
      iceServers: options.iceServers,
      logger: options.logger,
      participantPrefix: 'to-host',
    }),
    target,
    order: Promise.resolve(),
  }
}

/** The session is out of the call: its bridges, transports and wishes go (`release` lets each host feed go). */
export function closeMember(member: BridgedMember, release: (hostId: string) => void): void {
  for (const hostId of member.wants) release(hostId)
  member.wants.clear()
  member.outbound.close()
  for (const transport of member.sends.values()) transport.close()
  member.sends.clear()
  member.recv?.close()
  member.recv = undefined
}
