/**
 * When the federation worker threads run (federation-workers.ts): each extra thread is a whole copy
 * of the instance (≈ 140 MB and a second of CPU to start), which an instance that federates little
 * never needs. So the main thread runs the queue alone, a thread starts when a backlog builds (more
 * messages due than the threads running can take at once) and stops again once the queue has been
 * empty for a while. Pure, so the rule is tested as a table; the workers ask it on every check.
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
}

export const DEFAULT_SCALING: Omit<ScalingLimits, 'max'> = { backlog: 32, idleMs: 60_000 }

export type ScalingState = {
  /** Messages due now and not taken by anyone. */
  ready: number
  /** Threads started or starting. */
  running: number
  /** Since when nothing has been due (null: something is due now). */
  emptySinceMs: number | null
  now: number
}

export type ScalingDecision = 'start' | 'stop' | 'keep'

export function decideScaling(state: ScalingState, limits: ScalingLimits): ScalingDecision {
  if (state.ready >= limits.backlog && state.running < limits.max) return 'start'
  if (state.running > 0 && state.emptySinceMs !== null && state.now - state.emptySinceMs >= limits.idleMs) return 'stop'
  return 'keep'
}
