import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Temporal } from '@js-temporal/polyfill'
import { durationMs } from './sqlite-database.ts'

test('durationMs() agrees with Temporal total(), rounded up to whole milliseconds', () => {
  const durations = [
    { days: 1 },
    { milliseconds: 7_200_000 },
    { hours: 2, minutes: 3, seconds: 4, milliseconds: 5 },
    // Fedify's retry backoff: fractional milliseconds.
    { milliseconds: 1500, microseconds: 250, nanoseconds: 1 },
    { seconds: 0 },
  ]
  for (const fields of durations) {
    const duration = Temporal.Duration.from(fields)
    assert.equal(durationMs(duration), Math.ceil(duration.total('millisecond')), JSON.stringify(fields))
  }
  assert.equal(durationMs(undefined), 0)
  assert.equal(durationMs(Temporal.Duration.from({ seconds: -5 })), 0, 'never negative')
})
