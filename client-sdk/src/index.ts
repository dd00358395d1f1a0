export { Parley, InvalidStateError, type ParleyAuth, type ParleyOptions, type ParleyConnectOptions } from './parley.ts'
export { ParleyClient, type ClientAuth, type RestClientOptions } from './rest-client.ts'
export { AccountClient } from './account-client.ts'
export { FederationClient, type RequestSender } from './federation-client.ts'
export { FilesClient, FileUpload, type UploadOptions, type UploadProgress } from './files-client.ts'
export { MeetingsClient, type UpcomingQuery } from './meetings-client.ts'
export {
  RealtimeClient,
  type RealtimeClientOptions,
  type RealtimeEvents,
  type ConnectionState,
} from './realtime-client.ts'
export { ParleyApiError, ParleyRealtimeError } from './errors.ts'
export { Emitter } from './emitter.ts'
/** Every wire type (RoomView, MessageView, …) comes from @parley/protocol: re-exported as types only. */
export type * from '@parley/protocol'
