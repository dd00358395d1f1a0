/** `@parley/client/call`: the browser side of calls (DOM types; see browser.ts). */
export { CallClient, SIMULCAST_ENCODINGS, type CallClientOptions, type CallClientEvents, type CallTrackEvent } from './call-client.ts'
