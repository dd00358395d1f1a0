/**
 * `@parley/client/e2ee`: the parts of end-to-end encrypted calls that need no DOM — the SFrame
 * frame crypto, the key exchange and verification code, the key session, the worker's source —
 * for apps that serve the worker themselves, and for checking encrypted media from outside (the
 * media tests decrypt captured frames with them). `CallClient` uses all of it on its own.
 */
export { frameCrypto, type FrameCrypto, type FrameKey, type DecryptResult } from './frame-crypto.ts'
export { generateKeyPair, verificationCode, base64url, fromBase64url, type E2eeKeyPair } from './key-exchange.ts'
export {
  E2eeSession,
  type E2eeState,
  type E2eePeerState,
  type E2eeKeyMaterial,
  type E2eeMediaSink,
} from './e2ee-session.ts'
export { e2eeWorkerSource, type E2eeWorkerStats, type FrameCount } from './worker-main.ts'
