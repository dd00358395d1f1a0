/**
 * When the federation worker threads run (federation-workers.ts): each extra thread is a whole copy
 * of the instance (≈ 140 MB and a second of CPU to start), which an instance that federates little
 * never needs. So the main thread runs the queue alone, a thread starts when a backlog lasts (more
 * messages due than the threads running can take at once, at three checks in a row, and not
 * falling fast enough, over either interval, to be gone within `drainWithinMs`) and stops again once
 * the queue has been empty for a while. A burst the running threads clear in a second or two (a
 * fan-out of a thousand deliveries, whose messages arrive over a few hundred milliseconds, so that
 * one interval shows the backlog growing) is left to them: a thread started for it would spend its
 * start-up second on the same two cores and then find the queue nearly empty. Pure, so the rule is tested as a table; the
 * workers ask it on every check.
 */

export type ScalingLimits = {
  /** Threads besides the main one that may run (`federationWorkers` − 1). */
  max: number
  /**
   * Due messages waiting that count as a backlog. Default 32: one thread takes 16 at a time (the
   * queue's concurrency), so twice that means work is waiting for a free hand, not merely running.
   */
  backlog: number
  /** How long the queue has been empty before one thread stops. Default one minute. */
  idleMs: number
  /**
   * A backlog falling fast enough to be gone within this is left to the running threads. Default
   * 5 s: a thread costs about a second of CPU to start, and runs slower than a warm one for its
   * first few seconds; the first fan-out after start-up (connections opening, code compiling)
   * falls at half the pace of later ones and is still not worth one.
   */
  drainWithinMs: number
}

export const DEFAULT_SCALING: Omit<ScalingLimits, 'max'> = { backlog: 32, idleMs: 60_000, drainWithinMs: 5000 }

export type ScalingState = {
  /** Messages due now and not taken by anyone. */
  ready: number
  /** Threads started or starting. */
  running: number
  /** Since when nothing has been due (null: something is due now). */
  emptySinceMs: number | null
  now: number
  /** What the two checks before saw, oldest first (fewer at the first checks). */
  earlier: readonly { ready: number; at: number }[]
}

export type ScalingDecision = 'start' | 'stop' | 'keep'

export function decideScaling(state: ScalingState, limits: ScalingLimits): ScalingDecision {
  if (state.ready >= limits.backlog && state.running < limits.max && lasts(state, limits)) return 'start'
  if (state.running > 0 && state.emptySinceMs !== null && state.now - state.emptySinceMs >= limits.idleMs) return 'stop'
  return 'keep'
}

/** Whether a backlog seen now was there at the two checks before too, and did not fall fast in between. */
function lasts({ ready, now, earlier }: ScalingState, limits: ScalingLimits): boolean {
  if (earlier.length < 2) return false
  const seen = [...earlier, { ready, at: now }]
  for (let i = 1; i < seen.length; i++) {
    const [before, after] = [seen[i - 1]!, seen[i]!]
    if (before.ready < limits.backlog || after.at <= before.at) return false
    const fallingPerMs = (before.ready - after.ready) / (after.at - before.at)
    if (fallingPerMs > 0 && after.ready / fallingPerMs <= limits.drainWithinMs) return false
  }
  return true
}
