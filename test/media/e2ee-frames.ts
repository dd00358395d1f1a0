/**
 * Frames captured off an end-to-end encrypted call (by a tap in a page), checked from outside with
 * the SDK's own frame crypto (@parley/client/e2ee): which key, if any, opens them.
 */
import { frameCrypto, type FrameKey } from '@parley/client/e2ee'

export type CapturedFrame = { participantId?: string | null; kind: 'audio' | 'video'; keyframe: boolean; data: string }
export type HeldKey = { kid: number; key: string }

const fc = frameCrypto()
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'))

/** The frame's SFrame key id, or null when it has no SFrame header where one belongs. */
export function kidOf(frame: CapturedFrame): number | null {
  return fc.decodeHeader(bytes(frame.data), fc.unencryptedBytes(frame.kind, frame.keyframe))?.kid ?? null
}

/**
 * Whether any of these keys opens the frame — each as it is and ratcheted forward up to `ahead`
 * times, always for the frame's own key id: everything someone holding those keys could try.
 */
export async function opens(frame: CapturedFrame, keys: readonly HeldKey[], ahead = 0): Promise<boolean> {
  const data = bytes(frame.data)
  const prefix = fc.unencryptedBytes(frame.kind, frame.keyframe)
  const kid = kidOf(frame)
  if (kid === null) return false
  for (const held of keys) {
    for (let step = 0; step <= ahead; step++) {
      const key = await frameKey(held.key, step, kid)
      if ((await fc.decryptFrame(data, prefix, () => key)).ok) return true
    }
  }
  return false
}

/** Derived keys, remembered: a check runs over hundreds of frames under the same few keys. */
const derived = new Map<string, Promise<FrameKey>>()
const ratcheted = new Map<string, Promise<Uint8Array>>()

function ratchetedKey(hex: string, steps: number): Promise<Uint8Array> {
  if (steps === 0) return Promise.resolve(bytes(hex))
  const id = `${hex}/${steps}`
  let key = ratcheted.get(id)
  if (!key) {
    key = ratchetedKey(hex, steps - 1).then((previous) => fc.ratchet(previous))
    ratcheted.set(id, key)
  }
  return key
}

function frameKey(hex: string, steps: number, kid: number): Promise<FrameKey> {
  const id = `${hex}/${steps}/${kid}`
  let key = derived.get(id)
  if (!key) {
    key = ratchetedKey(hex, steps).then((base) => fc.deriveFrameKey(base, kid))
    derived.set(id, key)
  }
  return key
}

/** What the SDK's encryption worker counts (CallClient.e2eeStats()), the part these tests read. */
export type WorkerStats = {
  encrypted: { audio: { frames: number }; video: { frames: number } }
  decrypted: { audio: { frames: number }; video: { frames: number } }
  dropped: Record<string, number>
  fromDeparted: number
}

/**
 * Frames the worker dropped between two snapshots, by reason (only reasons that grew): across a
 * key switch this must stay empty — a dropped video frame is a frozen picture until the next
 * keyframe, a dropped audio frame a click.
 */
export function droppedBetween(before: WorkerStats, after: WorkerStats): Record<string, number> {
  const grown: Record<string, number> = {}
  for (const [reason, count] of Object.entries(after.dropped)) {
    const delta = count - (before.dropped[reason] ?? 0)
    if (delta !== 0) grown[reason] = delta
  }
  return grown
}
