/** The media layer's public surface (for the call service and the cross-process tests in test/). */
export type * from './engine.ts'
export { JanusEngine, type JanusEngineOptions } from './janus/janus-engine.ts'
export {
  JanusSupervisor,
  janusAnswers,
  type JanusEndpoint,
  type JanusSupervisorOptions,
} from './janus/janus-supervisor.ts'
export { MeshEngine, MeshRouter, type MeshSignal } from './mesh/mesh-engine.ts'
export {
  createTurnCredentials,
  checkTurnCredentials,
  iceServersFor,
  type TurnCredentials,
} from './turn/turn-credentials.ts'
export { checkSdp } from './sdp.ts'
export { CoturnSupervisor, coturnConfig, type CoturnOptions } from './turn/coturn-supervisor.ts'
export { stunAnswers, parseIceUrl } from './turn/stun-probe.ts'
export { mediaErrorCode } from './media-errors.ts'
export { convertRecordings, type ConvertedRecording } from './janus/janus-recordings.ts'
export { mjrPackets, readMjrHeader, startsVp8Keyframe } from './janus/mjr-keyframe.ts'
export { FeedBridge, type FeedBridgeOptions, type LegState } from './bridge/feed-bridge.ts'
export { FeedBridges, type FeedBridgesOptions } from './bridge/feed-bridges.ts'
export {
  routerOrigin,
  routerTarget,
  type FeedOrigin,
  type FeedTarget,
  type FeedInfo,
  type OriginSubscription,
  type TargetPublication,
} from './bridge/feed-ends.ts'
