/**
 * The browser build of @parley/client: everything in the package entry plus the call client, which
 * needs the DOM's WebRTC types (type-checked by client-sdk/tsconfig.json, not the root project that
 * also holds Node code: the DOM's and Node's crypto types clash).
 */
export * from './index.ts'
export * from './call.ts'
