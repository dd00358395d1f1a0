import type { MediaError } from '../engine.ts'
import type { JanusError } from './janus-types.ts'

/** Janus core error codes Parley tells apart (janus/apierror.h). */
const JANUS_ERROR_JSEP_INVALID_SDP = 465
const JANUS_ERROR_JSEP_UNKNOWN_TYPE = 464
/** VideoRoom plugin error codes (plugins/janus_videoroom.c). */
const VIDEOROOM_NO_SUCH_FEED = 428
const VIDEOROOM_INVALID_SDP = 437

export function toMediaError(error: JanusError): MediaError {
  switch (error.type) {
    case 'closed':
    case 'timeout':
      return { type: 'engine-unavailable', message: error.message }
    case 'janus-error':
      if (error.code === JANUS_ERROR_JSEP_INVALID_SDP || error.code === JANUS_ERROR_JSEP_UNKNOWN_TYPE)
        return { type: 'invalid-sdp', message: error.message }
      return { type: 'engine-error', code: error.code, message: error.message }
    case 'plugin-error':
      if (error.code === VIDEOROOM_INVALID_SDP) return { type: 'invalid-sdp', message: error.message }
      if (error.code === VIDEOROOM_NO_SUCH_FEED) return { type: 'producer-not-found', producerId: '' }
      return { type: 'engine-error', code: error.code, message: error.message }
  }
}
