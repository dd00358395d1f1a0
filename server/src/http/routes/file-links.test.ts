import { it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { startTestApp } from '../../testing/test-app.ts'

it('a capability link’s signature never reaches the log (it is a credential)', async () => {
  const t = await startTestApp()
  try {
    const reply = await t.app.inject({
      method: 'GET',
      url: `/files/${randomUUID()}/original?expires=99999999999&signature=S3CR3TS1GNATURE`,
    })
    assert.equal(reply.json().error.code, 'capability-invalid')
    const log = t.logs.join('')
    assert.ok(log.includes('signature=[redacted]'), 'the request is logged')
    assert.ok(!log.includes('S3CR3TS1GNATURE'))
  } finally {
    await t.close()
  }
})
