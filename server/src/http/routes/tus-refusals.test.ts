import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ERRORS } from '@tus/server'
import { ErrorCodes } from '@parley/protocol'
import { tusRefusal } from './tus-refusals.ts'

/** tus errors that only a failure of the server itself (its disk, its store) gives. */
const SERVER_FAILURES = new Set(['UNKNOWN_ERROR', 'FILE_WRITE_ERROR', 'UNSUPPORTED_EXPIRATION_EXTENSION'])

describe('tusRefusal()', () => {
  it("gives every entry of @tus/server's error table a registry code: a 4xx for what a client sent", async () => {
    for (const [name, error] of Object.entries(ERRORS)) {
      const refusal = await tusRefusal(error.status_code, error.body)
      const status = ErrorCodes[refusal.code].status
      if (SERVER_FAILURES.has(name)) assert.equal(refusal.code, 'internal-error', name)
      else assert.ok(status >= 400 && status < 500, `${name} → ${refusal.code} (${status})`)
    }
  })

  it('keeps the statuses tus clients act on', async () => {
    const statusOf = async (status: number, body: string) => ErrorCodes[(await tusRefusal(status, body)).code].status
    assert.equal(await statusOf(ERRORS.INVALID_OFFSET.status_code, ERRORS.INVALID_OFFSET.body), 409)
    assert.equal(await statusOf(ERRORS.FILE_NOT_FOUND.status_code, ERRORS.FILE_NOT_FOUND.body), 404)
    assert.equal(await statusOf(ERRORS.FILE_NO_LONGER_EXISTS.status_code, ERRORS.FILE_NO_LONGER_EXISTS.body), 410)
    assert.equal(await statusOf(ERRORS.ERR_SIZE_EXCEEDED.status_code, ERRORS.ERR_SIZE_EXCEEDED.body), 413)
    assert.equal(await statusOf(ERRORS.ERR_MAX_SIZE_EXCEEDED.status_code, ERRORS.ERR_MAX_SIZE_EXCEEDED.body), 413)
    // A request another took over is retried by a tus client after 409 (a 400 would end the upload).
    assert.equal(await statusOf(ERRORS.ABORTED.status_code, ERRORS.ABORTED.body), 409)
  })

  it('reads the refusals tus writes outside its table: the version check and the header validators', async () => {
    const cases: [number, string, string, Record<string, unknown>?][] = [
      [412, 'Tus-Resumable Required\n', 'tus-version-unsupported'],
      [400, 'Invalid tus-resumable\n', 'tus-version-unsupported'],
      [400, 'Invalid content-type\n', 'unsupported-media-type'],
      [
        400,
        'Invalid upload-offset upload-length\n',
        'validation-failed',
        { headers: ['upload-offset', 'upload-length'] },
      ],
      [404, 'Not found\n', 'upload-not-found'],
      [503, 'whatever\n', 'internal-error'],
    ]
    for (const [status, body, code, details] of cases) {
      const refusal = await tusRefusal(status, body)
      assert.equal(refusal.code, code, body)
      if (details) assert.deepEqual(refusal.details, details)
    }
  })
})
