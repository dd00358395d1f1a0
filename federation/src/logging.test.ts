import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { getLogger, reset } from '@logtape/logtape'
import { renderMessage, routeFedifyLogs } from './logging.ts'

describe('routeFedifyLogs()', () => {
  after(() => reset())

  it('routeFedifyLogs() sends Fedify records at or above the level to the logger, rendered', async () => {
    const seen: { level: string; fields: object; message: string | undefined }[] = []
    const record = (level: string) => (fields: object, message?: string) => void seen.push({ level, fields, message })
    await routeFedifyLogs(
      { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
      'info',
    )
    const log = getLogger(['fedify', 'federation', 'inbox'])
    log.debug('not shown')
    log.warn('Actor {recipient} not found.', { recipient: 'bob' })
    log.error('Failed: {error}', { error: new Error('boom') })
    assert.deepEqual(
      seen.map((s) => [s.level, s.message]),
      [
        ['warn', 'Actor bob not found.'],
        ['error', 'Failed: boom'],
      ],
    )
    assert.deepEqual(seen[0]?.fields, { category: 'fedify.federation.inbox' })
    assert.equal((seen[1]?.fields as { err: Error }).err.message, 'boom')
    assert.equal(renderMessage(['a ', { b: 1 }, ' c']), 'a {"b":1} c')
  })
})
