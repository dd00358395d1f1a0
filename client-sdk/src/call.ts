/** `@parley/client/call`: the browser side of calls (DOM types; see browser.ts). */
export {
  CallClient,
  SIMULCAST_ENCODINGS,
  type CallClientOptions,
  type CallClientEvents,
  type CallTrackEvent,
} from './call-client.ts'
export { e2eeSupport, type E2eeSupport, type E2eeTransformMode } from './e2ee/media-transforms.ts'
export type { CallE2eeOptions, E2eeOff } from './e2ee/call-e2ee.ts'
export type { E2eeState, E2eePeerState, E2eeKeyMaterial } from './e2ee/e2ee-session.ts'
export type { E2eeWorkerStats } from './e2ee/worker-main.ts'
