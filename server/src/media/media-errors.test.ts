import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '@parley/protocol'
import type { MediaError } from './engine.ts'
import { mediaErrorCode } from './media-errors.ts'

test('mediaErrorCode() gives every media failure a registered protocol code, never leaking media server details', () => {
  const errors: MediaError[] = [
    { type: 'call-full', max: 5 },
    { type: 'not-in-call', participantId: 'p1' },
    { type: 'invalid-sdp', message: 'the SDP has no media section' },
    { type: 'no-usable-codec', message: 'none of the offered codecs is usable' },
    { type: 'producer-not-found', producerId: '42' },
    { type: 'producer-not-ready', producerId: '42' },
    { type: 'recording-unavailable', message: 'no recordings folder' },
    { type: 'engine-unavailable', message: 'cannot connect to Janus at ws://127.0.0.1:8188' },
    { type: 'engine-error', code: 499, message: 'Janus internals' },
  ]
  const mapped = errors.map(mediaErrorCode)
  assert.deepEqual(
    mapped.map((m) => m.code),
    [
      'call-full',
      'not-in-call',
      'invalid-sdp',
      'no-usable-codec',
      'media-not-found',
      'media-not-ready',
      'recording-unavailable',
      'media-unavailable',
      'internal-error',
    ],
  )
  for (const m of mapped) assert.ok(Object.hasOwn(ErrorCodes, m.code))
  assert.deepEqual(mapped[0]?.details, { max: 5 })
  assert.doesNotMatch(mapped[7]?.message ?? '', /ws:\/\//, 'the media server address stays internal')
  assert.doesNotMatch(mapped[8]?.message ?? '', /internals/)
})
