/**
 * Makes a VP8 recording start at a keyframe. Janus's recorder writes every packet from the moment
 * recording starts, which is mid-picture-group: the packets before the publisher's next keyframe
 * are deltas of pictures the file never had. janus-pp-rec copies them into the .webm as they are,
 * so the file begins with pictures no decoder can make (Chromium skips to the keyframe; a player
 * that does not shows garbage, and a cut or seek to the start lands on nothing). The keyframe
 * requested when recording starts (janus-transports.ts) usually arrives first, but not always: a
 * lost or slow picture-loss request leaves a few deltas in front. The packets before the keyframe
 * are held as offsets only; with that request they are a second's worth.
 *
 * The .mjr format (Janus record.c, version MJR00002): "MJR00002", a 16-bit length and a JSON info
 * header ({"t":"v","c":"vp8",…}); then one frame per packet: "MEET", a 32-bit arrival time in ms,
 * a 16-bit length and the RTP packet. All integers big-endian.
 */
import { open, type FileHandle } from 'node:fs/promises'

export type KeyframeStart =
  /** Nothing to do: not VP8 video, or the first packet already starts a keyframe. */
  | { kind: 'unchanged' }
  /** Written to `output`: the info header, then everything from the first keyframe on. */
  | { kind: 'trimmed'; output: string; droppedPackets: number }
  /** VP8 video in which no keyframe starts at all: no picture in it can be decoded. */
  | { kind: 'no-keyframe' }

const MAGIC = 'MJR00002'
const FRAME = 'MEET'

/**
 * Reads `source` packet by packet until the first VP8 keyframe. Packets of that keyframe's own
 * picture (same RTP timestamp) that arrived before its first packet are kept: reordering on the
 * network must not cut the keyframe itself.
 */
export async function startAtKeyframe(source: string, output: string): Promise<KeyframeStart> {
  const file = await open(source, 'r')
  try {
    const head = await readMjrHeader(file)
    if (!head || head.info.t !== 'v' || String(head.info.c).toLowerCase() !== 'vp8') return { kind: 'unchanged' }
    const before: { offset: number; size: number; timestamp: number }[] = []
    for await (const packet of mjrPackets(file, head.end)) {
      const timestamp = rtpTimestamp(packet.rtp)
      if (startsVp8Keyframe(packet.rtp)) {
        if (before.length === 0) return { kind: 'unchanged' }
        const kept = before.filter((p) => p.timestamp === timestamp)
        await writeTrimmed(file, output, head.end, kept, packet.offset)
        return { kind: 'trimmed', output, droppedPackets: before.length - kept.length }
      }
      before.push({ offset: packet.offset, size: packet.size, timestamp })
    }
    return { kind: 'no-keyframe' }
  } finally {
    await file.close()
  }
}

/** The info header, and where the packets begin; null when this is not an MJR00002 file. */
export async function readMjrHeader(file: FileHandle): Promise<{ info: Record<string, unknown>; end: number } | null> {
  const start = await readAt(file, 0, 10)
  if (start.length < 10 || start.toString('latin1', 0, 8) !== MAGIC) return null
  const length = start.readUInt16BE(8)
  const json = await readAt(file, 10, length)
  if (json.length < length) return null
  try {
    const info: unknown = JSON.parse(json.toString('utf8'))
    return info && typeof info === 'object' ? { info: info as Record<string, unknown>, end: 10 + length } : null
  } catch {
    return null
  }
}

export type MjrPacket = { offset: number; size: number; rtp: Buffer }

/** The packets from `offset` (where the header ends) on, in file order; stops at a damaged frame. */
export async function* mjrPackets(file: FileHandle, offset: number): AsyncGenerator<MjrPacket> {
  for (;;) {
    const head = await readAt(file, offset, 10)
    if (head.length < 10 || head.toString('latin1', 0, 4) !== FRAME) return
    const length = head.readUInt16BE(8)
    const rtp = await readAt(file, offset + 10, length)
    if (rtp.length < length) return
    yield { offset, size: 10 + length, rtp }
    offset += 10 + length
  }
}

function rtpTimestamp(rtp: Buffer): number {
  return rtp.length >= 8 ? rtp.readUInt32BE(4) : -1
}

/** RFC 7741: the packet that begins a VP8 keyframe (S=1, partition 0, and P=0 in the frame tag). */
export function startsVp8Keyframe(rtp: Buffer): boolean {
  if (rtp.length < 12 || rtp[0]! >> 6 !== 2) return false
  let at = 12 + 4 * (rtp[0]! & 0x0f)
  if (rtp[0]! & 0x10) {
    if (rtp.length < at + 4) return false
    at += 4 + 4 * rtp.readUInt16BE(at + 2)
  }
  if (rtp.length <= at) return false
  const descriptor = rtp[at]!
  const startOfPartition = (descriptor & 0x10) !== 0
  const partition = descriptor & 0x07
  if (!startOfPartition || partition !== 0) return false
  at++
  if (descriptor & 0x80) {
    if (rtp.length <= at) return false
    const extension = rtp[at++]!
    if (extension & 0x80) at += rtp.length > at && rtp[at]! & 0x80 ? 2 : 1
    if (extension & 0x40) at++
    if (extension & 0x30) at++
  }
  // The VP8 frame tag; a keyframe's carries the start code 9d 01 2a after its three bytes.
  if (rtp.length < at + 6) return false
  return (rtp[at]! & 0x01) === 0 && rtp[at + 3] === 0x9d && rtp[at + 4] === 0x01 && rtp[at + 5] === 0x2a
}

async function writeTrimmed(
  file: FileHandle,
  output: string,
  headerEnd: number,
  kept: readonly { offset: number; size: number }[],
  from: number,
): Promise<void> {
  const out = await open(output, 'w')
  try {
    await out.write(await readAt(file, 0, headerEnd))
    for (const packet of kept) await out.write(await readAt(file, packet.offset, packet.size))
    // The rest in chunks: a long recording is far too large to hold in memory at once.
    const chunk = Buffer.allocUnsafe(1 << 20)
    for (let at = from; ;) {
      const { bytesRead } = await file.read(chunk, 0, chunk.length, at)
      if (bytesRead === 0) break
      await out.write(chunk.subarray(0, bytesRead))
      at += bytesRead
    }
  } finally {
    await out.close()
  }
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length)
  const { bytesRead } = await file.read(buffer, 0, length, position)
  return buffer.subarray(0, bytesRead)
}
