import type { ErrorCode } from '@parley/protocol'

export type Result<T, E extends ErrorCode = ErrorCode> =
  { ok: true; value: T } | { ok: false; error: { type: E; details?: Record<string, unknown> } }

export const ok = <T>(value: T) => ({ ok: true as const, value })
export const fail = <E extends ErrorCode>(type: E, details?: Record<string, unknown>) => ({
  ok: false as const,
  error: { type, ...(details ? { details } : {}) },
})

/** Who is acting: a signed-in user, or a guest bound to one room. */
export type Caller =
  { type: 'user'; id: string; name: string } | { type: 'guest'; id: string; name: string; roomId: string }
