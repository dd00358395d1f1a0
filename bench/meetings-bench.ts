/**
 * Meetings benchmark: what the largest allowed recurrences cost. A user in 20 rooms with 5 daily
 * meetings each at the limit (1000 occurrences): scheduling one (the rule checked and expanded),
 * the upcoming occurrences of all rooms over 30 days, and the whole agenda as iCalendar — against
 * the baseline of listing the user's rooms, measured in the same run (median of repeated requests).
 *   node --disable-warning=ExperimentalWarning bench/meetings-bench.ts
 */
import { startTestInstance } from '@parley/server/testing'

const ROOMS = 20
const PER_ROOM = 5
const RUNS = 15

const t = await startTestInstance({ env: { PARLEY_CHAT_POSTS_PER_SECOND: '10000' } })
try {
  const owner = await t.user('olga')
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
  const time = async (method: string, url: string, body?: unknown) => {
    const started = performance.now()
    const reply = await t.call(method, url, { headers: owner.auth, ...(body === undefined ? {} : { body }) })
    if (reply.statusCode >= 300) throw new Error(`${method} ${url}: ${reply.statusCode} ${reply.body}`)
    return { ms: performance.now() - started, bytes: reply.body.length }
  }
  const schedule: number[] = []
  for (let r = 0; r < ROOMS; r++) {
    const room = (
      await t.call('POST', '/api/v1/rooms', { headers: owner.auth, body: { kind: 'group', name: `R${r}` } })
    ).json<{
      id: string
    }>()
    for (let m = 0; m < PER_ROOM; m++)
      schedule.push(
        (
          await time('POST', `/api/v1/rooms/${room.id}/meetings`, {
            title: `M${r}.${m}`,
            start: '2026-12-01T09:00',
            end: '2026-12-01T09:30',
            timeZone: 'Europe/Berlin',
            recurrence: 'FREQ=DAILY;COUNT=1000',
          })
        ).ms,
      )
  }
  const runs = async (url: string) => {
    const found: number[] = []
    let bytes = 0
    for (let i = 0; i < RUNS; i++) {
      const one = await time('GET', url)
      found.push(one.ms)
      bytes = one.bytes
    }
    return { ms: median(found), bytes }
  }
  const baseline = await runs('/api/v1/rooms')
  const upcoming = await runs('/api/v1/me/occurrences?from=2026-12-10T00:00:00Z&to=2027-01-09T00:00:00Z&limit=200')
  const agenda = await runs('/api/v1/me/calendar.ics')
  const line = (name: string, r: { ms: number; bytes: number }) =>
    `${name.padEnd(44)} ${r.ms.toFixed(1).padStart(8)} ms  ${(r.ms / baseline.ms).toFixed(1).padStart(6)}× baseline  ${r.bytes} bytes`
  console.log(`${ROOMS} rooms × ${PER_ROOM} meetings × 1000 occurrences; medians of ${RUNS}`)
  console.log(`${'schedule one meeting (rule checked)'.padEnd(44)} ${median(schedule).toFixed(1).padStart(8)} ms`)
  console.log(line('GET /api/v1/rooms (baseline)', baseline))
  console.log(line('GET /api/v1/me/occurrences (30 days, 200)', upcoming))
  console.log(line('GET /api/v1/me/calendar.ics (100 meetings)', agenda))
} finally {
  await t.close()
}
