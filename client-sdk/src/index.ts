export { ParleyClient, type ClientAuth, type RestClientOptions } from './rest-client.ts'
export { RealtimeClient, type RealtimeClientOptions, type RealtimeEvents, type ConnectionState } from './realtime-client.ts'
export { ParleyApiError, ParleyRealtimeError } from './errors.ts'
export { Emitter } from './emitter.ts'
