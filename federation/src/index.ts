export * from './ports.ts'
export type { FederationLogger } from './log.ts'
export {
  ParleyFederation,
  type ParleyFederationDeps,
  type RemoteActorSummary,
  type FederationError,
  type FederationResult,
} from './federation.ts'
export { FederationCore, type FederationCoreDeps } from './federation-core.ts'
export { RoomHostLink } from './rooms/room-host-link.ts'
export type { RosterOutcome } from './rooms/room-participants.ts'
export { ACTOR_PATHS } from './actor-dispatcher.ts'
export {
  INSTANCE_IDENTIFIER,
  parseIdentifier,
  roomIdentifier,
  userIdentifier,
  type ActorIdentifier,
} from './actor-identifiers.ts'
export { openFederationDatabase } from './kv/sqlite-database.ts'
export { SqliteKvStore, type SqliteKvStoreOptions } from './kv/sqlite-kv-store.ts'
export { SqliteMessageQueue, type SqliteMessageQueueOptions } from './kv/sqlite-message-queue.ts'
export { RedisKvStore, type RedisKvStoreOptions } from './kv/redis-kv-store.ts'
export { RedisMessageQueue, type RedisMessageQueueOptions } from './kv/redis-message-queue.ts'
export { openQueueBackends, pingRedis, type QueueBackendOptions, type QueueBackends } from './kv/backends.ts'
export type { QueuePending } from './kv/queue-pending.ts'
export { routeFedifyLogs, type FederationLogLevel } from './logging.ts'
export { DomainPolicy } from './domain-policy.ts'
export {
  RoomFederation,
  type RoomFederationDeps,
  type RoomPostError,
  type RoomPostResult,
} from './rooms/room-federation.ts'
export { meetingEvent, meetingUri, type MeetingChange, type RoomMeeting } from './rooms/room-meetings.ts'
export type { MembershipError, MembershipResult } from './rooms/room-membership-actions.ts'
export type { RemoteRoomAction, ForwardOutcome } from './rooms/room-actions.ts'
export type { PollAction } from './rooms/room-polls.ts'
export { RemoteFetcher, type FetchLimits } from './remote-fetcher.ts'
export { guardedAgent, type GuardedAgentOptions } from './guarded-agent.ts'
export { isPublicAddress } from './address-policy.ts'
export { remoteFetchErrorCode } from './fetch-errors.ts'
export { attachmentObject, noteAttachments, MAX_ATTACHMENTS } from './attachments/attachment-objects.ts'
export { CallChannelAuth, type ChannelAuthResult, type ChannelPeer } from './call-channel-auth.ts'
