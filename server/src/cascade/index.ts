/** Pieces of the call cascade that tests and benchmarks drive directly. */
export { RemoteFeedOrigin, type RemoteFeedOriginOptions } from './remote-feed-origin.ts'
export { BridgeHost, MAX_BRIDGES } from './bridge-host.ts'
export { RemoteFeedTarget, type RemoteFeedTargetOptions } from './remote-feed-target.ts'
