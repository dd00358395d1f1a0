/** For realtime tests: the error code a request was refused with (fails when it was not refused). */
import { ParleyRealtimeError } from '@parley/client'

export async function refused(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ParleyRealtimeError) return error.code
    throw error
  }
  throw new Error('the request was not refused')
}
