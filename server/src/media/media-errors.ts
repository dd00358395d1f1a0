/**
 * The protocol error code (and details) for each expected media engine failure, so the call
 * service and the realtime gateway answer them the same way. Exhaustive: a new MediaError type does
 * not compile until it has a code.
 */
import type { ErrorCode } from '@parley/protocol'
import type { MediaError } from './engine.ts'

export function mediaErrorCode(error: MediaError): {
  code: ErrorCode
  message: string
  details?: Record<string, unknown>
} {
  switch (error.type) {
    case 'call-full':
      return {
        code: 'call-full',
        message: `This call holds at most ${error.max} participants`,
        details: { max: error.max },
      }
    case 'not-in-call':
      return {
        code: 'not-in-call',
        message: 'Only participants of this call can do this',
        details: { participantId: error.participantId },
      }
    case 'invalid-sdp':
      return { code: 'invalid-sdp', message: `The session description is not valid: ${error.message}` }
    case 'no-usable-codec':
      return { code: 'no-usable-codec', message: error.message }
    case 'producer-not-found':
      return {
        code: 'media-not-found',
        message: 'No such published media in this call',
        details: { producerId: error.producerId },
      }
    case 'producer-not-ready':
      return {
        code: 'media-not-ready',
        message: 'The published media is not flowing yet; try again shortly',
        details: { producerId: error.producerId },
      }
    case 'recording-unavailable':
      return { code: 'recording-unavailable', message: `Recording is not possible: ${error.message}` }
    case 'engine-unavailable':
      return { code: 'media-unavailable', message: 'The media server cannot be reached' }
    case 'engine-error':
      // The media server refused for a reason Parley does not expect: ours to fix, not the caller's.
      return { code: 'internal-error', message: 'The media server refused the request' }
  }
}
