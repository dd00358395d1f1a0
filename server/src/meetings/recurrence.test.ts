import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { checkRule, occurrenceEnd, occurrenceStarts, occurrenceStartsBetween } from './recurrence.ts'
import { canonicalTimeZone, instantOf, parseLocal, wallClockOf } from './time-zones.ts'

const iso = (ms: number) => new Date(ms).toISOString()
const local = (text: string) => parseLocal(text) as number

describe('time zones', () => {
  it('instantOf() follows Europe/Berlin across both changes of 2026, including the skipped and doubled hour', () => {
    const berlin = 'Europe/Berlin'
    assert.equal(iso(instantOf(local('2026-03-28T09:00'), berlin)), '2026-03-28T08:00:00.000Z')
    assert.equal(iso(instantOf(local('2026-03-29T09:00'), berlin)), '2026-03-29T07:00:00.000Z')
    // 02:30 does not exist on 29 March: read with the offset before the change, it is 03:30 CEST.
    assert.equal(iso(instantOf(local('2026-03-29T02:30'), berlin)), '2026-03-29T01:30:00.000Z')
    // 02:30 exists twice on 25 October: the first one (CEST) is meant.
    assert.equal(iso(instantOf(local('2026-10-25T02:30'), berlin)), '2026-10-25T00:30:00.000Z')
    assert.equal(iso(instantOf(local('2026-10-26T09:00'), berlin)), '2026-10-26T08:00:00.000Z')
    assert.equal(wallClockOf(Date.parse('2026-10-26T08:00:00Z'), berlin), local('2026-10-26T09:00'))
  })

  it('canonicalTimeZone() knows IANA zones and refuses made-up or malformed ones', () => {
    assert.equal(canonicalTimeZone('Europe/Berlin'), 'Europe/Berlin')
    assert.equal(canonicalTimeZone('America/New_York'), 'America/New_York')
    assert.equal(canonicalTimeZone('UTC'), 'UTC')
    assert.equal(canonicalTimeZone('Mars/Olympus_Mons'), null)
    assert.equal(canonicalTimeZone('Europe/Berlin; DROP'), null)
    assert.equal(canonicalTimeZone('x'.repeat(100)), null)
  })

  it('parseLocal() refuses days and hours that do not exist', () => {
    assert.equal(parseLocal('2026-02-30T09:00'), null)
    assert.equal(parseLocal('2026-13-01T09:00'), null)
    assert.equal(parseLocal('2026-01-01T24:00'), null)
    assert.equal(parseLocal('2026-01-01 09:00'), null)
    assert.equal(iso(local('2026-01-01T09:00:30')), '2026-01-01T09:00:30.000Z')
  })
})

describe('recurrence', () => {
  const berlin = 'Europe/Berlin'
  const series = (rule: string, start = '2026-03-16T09:00', end = '2026-03-16T09:30') => ({
    startFloating: local(start),
    endFloating: local(end),
    timeZone: berlin,
    rule,
  })

  it('a weekly 09:00 standup in Berlin stays at 09:00 wall clock across the spring and autumn changes', () => {
    const spring = series('FREQ=WEEKLY;BYDAY=MO;COUNT=3')
    const starts = occurrenceStarts(spring)
    assert.deepEqual(starts.map(iso), [
      '2026-03-16T08:00:00.000Z',
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ])
    assert.equal(iso(occurrenceEnd(spring, starts[2]!)), '2026-03-30T07:30:00.000Z')
    const autumn = occurrenceStarts(
      series('FREQ=WEEKLY;BYDAY=MO;UNTIL=20261102T235959Z', '2026-10-19T09:00', '2026-10-19T09:30'),
    )
    assert.deepEqual(autumn.map(iso), [
      '2026-10-19T07:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
      '2026-11-02T08:00:00.000Z',
    ])
  })

  it('a monthly review on the last Friday, with UNTIL as a date', () => {
    const starts = occurrenceStarts(
      series('FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20260630', '2026-03-27T15:00', '2026-03-27T16:00'),
    )
    assert.deepEqual(starts.map(iso), [
      '2026-03-27T14:00:00.000Z',
      '2026-04-24T13:00:00.000Z',
      '2026-05-29T13:00:00.000Z',
      '2026-06-26T13:00:00.000Z',
    ])
  })

  it('checkRule() accepts ending rules and answers them in canonical form', () => {
    assert.deepEqual(checkRule('rrule:freq=weekly;byday=mo,we;count=10', local('2026-03-16T09:00'), berlin), {
      ok: true,
      rule: 'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10',
    })
  })

  it('checkRule() refuses rules that never end, give too many occurrences or reach past 20 years', () => {
    const start = local('2026-03-16T09:00')
    for (const rule of [
      'FREQ=WEEKLY;BYDAY=MO',
      'FREQ=DAILY;COUNT=1001',
      'FREQ=DAILY;UNTIL=20300101',
      'FREQ=DAILY;UNTIL=99991231T000000Z',
      'FREQ=YEARLY;COUNT=30',
      // Rules that match no day: rrule alone would scan every day to the year 9999 (a minute of CPU).
      'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20300101',
      'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=3',
      'FREQ=DAILY;BYSETPOS=-300;UNTIL=20451231',
    ]) {
      const checked = checkRule(rule, start, berlin)
      assert.equal(checked.ok ? 'accepted' : checked.error, 'recurrence-unbounded', rule)
    }
  })

  it('checkRule() refuses malformed rules and unknown parts before rrule sees them', () => {
    const start = local('2026-03-16T09:00')
    for (const rule of [
      'FREQ=SECONDLY;COUNT=5',
      'FREQ=HOURLY;COUNT=5',
      'COUNT=5',
      'FREQ=WEEKLY;COUNT=5;COUNT=6',
      'FREQ=WEEKLY;COUNT=5;UNTIL=20270101',
      'FREQ=WEEKLY;BYDAY=XX;COUNT=5',
      'FREQ=WEEKLY;COUNT=5;X-NAME=1',
      'FREQ=WEEKLY;COUNT=5;DTSTART=20260101T000000Z',
      'FREQ=WEEKLY;COUNT=5;BYMONTHDAY=32',
      'FREQ=WEEKLY;COUNT',
      'FREQ=WEEKLY;COUNT==5',
      `FREQ=WEEKLY;COUNT=5;BYDAY=${'MO,'.repeat(40)}MO`,
    ]) {
      const checked = checkRule(rule, start, berlin)
      assert.equal(checked.ok ? 'accepted' : checked.error, 'recurrence-invalid', rule)
    }
  })

  it('occurrenceStartsBetween() gives exactly the part of the series in the window, across the changes', () => {
    for (const rule of [
      'FREQ=DAILY;COUNT=400',
      'FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20270630',
      'FREQ=MONTHLY;BYDAY=-1SU;COUNT=24',
    ]) {
      const s = series(rule, '2026-03-01T02:30', '2026-03-01T03:00')
      const all = occurrenceStarts(s)
      for (const [from, to] of [
        ['2026-03-28T00:00:00Z', '2026-04-02T00:00:00Z'],
        ['2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z'],
        ['2025-01-01T00:00:00Z', '2028-01-01T00:00:00Z'],
        ['2027-05-01T00:00:00Z', '2027-05-01T00:00:01Z'],
      ] as const) {
        const [lo, hi] = [Date.parse(from), Date.parse(to)]
        assert.deepEqual(
          occurrenceStartsBetween(s, lo, hi).map(iso),
          all.filter((at) => at >= lo && at <= hi).map(iso),
          `${rule} in ${from}…${to}`,
        )
      }
    }
  })
})
