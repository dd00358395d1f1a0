/**
 * The event bus between the services that change rooms and the realtime gateways that tell clients.
 * Messages are strings (the realtime frame JSON, serialised once by the publisher), on topics
 * `room:<id>`, `actor:<id>`, `user:<id>` (frames for one local user's sessions, e.g. about rooms on
 * other instances) and `node:<id>` (call frames between nodes). In embedded mode the bus is in-process; with several nodes it is Redis
 * pub/sub, so a message posted through one node reaches clients connected to any node.
 */
export type BusHandler = (message: string) => void
export type Unsubscribe = () => Promise<void>

export interface Bus {
  /** Delivers to every subscriber of the topic, on every node; resolves once handed to the transport. */
  publish(topic: string, message: string): Promise<void>
  /** Resolves once the subscription is live (messages published after that are received). */
  subscribe(topic: string, handler: BusHandler): Promise<Unsubscribe>
  close(): Promise<void>
}

export const roomTopic = (roomId: string) => `room:${roomId}`
export const actorTopic = (actorId: string) => `actor:${actorId}`
export const userTopic = (userId: string) => `user:${userId}`
/**
 * Local membership of a room hosted elsewhere changed (a local user joined or left it, or it was
 * deleted): `{ "room": actor id }`. Every node's call channel side follows the room, or stops
 * (room-mirror.ts → cascade-member.ts).
 */
export const MIRRORS_TOPIC = 'mirrors'
/** Frames for one server node alone: call frames forwarded to the node running a call, and its replies (calls/call-forwarding.ts). */
export const nodeTopic = (nodeId: string) => `node:${nodeId}`

/** Calls every handler; one that throws never stops the others (mediasoup's safeEmit). */
export function dispatch(
  handlers: Iterable<BusHandler> | undefined,
  message: string,
  onError: (error: unknown) => void,
): void {
  if (!handlers) return
  for (const handler of [...handlers]) {
    try {
      handler(message)
    } catch (error) {
      onError(error)
    }
  }
}
