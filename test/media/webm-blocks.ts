/**
 * The pictures of a WebM file, in file order, as keyframe or not: enough Matroska (EBML) to say
 * whether a recording starts where a player can begin decoding. Reads Segment, Cluster and
 * BlockGroup elements and the flags of SimpleBlocks; a BlockGroup's Block counts as a keyframe
 * unless the group has a ReferenceBlock.
 */
const SEGMENT = 0x18538067
const CLUSTER = 0x1f43b675
const BLOCK_GROUP = 0xa0
const SIMPLE_BLOCK = 0xa3
const BLOCK = 0xa1
const REFERENCE_BLOCK = 0xfb

export function webmKeyframes(bytes: Uint8Array): boolean[] {
  const pictures: boolean[] = []
  walk(bytes, 0, bytes.length, pictures)
  return pictures
}

function walk(bytes: Uint8Array, from: number, to: number, pictures: boolean[]): void {
  for (let at = from; at < to;) {
    const id = readVint(bytes, at, true)
    const size = readVint(bytes, at + id.length, false)
    const data = at + id.length + size.length
    // An unknown size (all ones: a live-written Segment or Cluster) runs to the end of its parent.
    const end = size.unknown ? to : Math.min(to, data + size.value)
    if (id.value === SEGMENT || id.value === CLUSTER) walk(bytes, data, end, pictures)
    else if (id.value === SIMPLE_BLOCK)
      pictures.push((bytes[data + readVint(bytes, data, false).length + 2]! & 0x80) !== 0)
    else if (id.value === BLOCK_GROUP)
      pictures.push(!hasChild(bytes, data, end, REFERENCE_BLOCK) && hasChild(bytes, data, end, BLOCK))
    at = end
  }
}

function hasChild(bytes: Uint8Array, from: number, to: number, wanted: number): boolean {
  for (let at = from; at < to;) {
    const id = readVint(bytes, at, true)
    const size = readVint(bytes, at + id.length, false)
    if (id.value === wanted) return true
    at += id.length + size.length + size.value
  }
  return false
}

/** An EBML variable-length integer: an element id keeps its length marker, a size drops it. */
function readVint(
  bytes: Uint8Array,
  at: number,
  keepMarker: boolean,
): { value: number; length: number; unknown: boolean } {
  const first = bytes[at] ?? 0
  let length = 1
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++
  let value = keepMarker ? first : first & (0xff >> length)
  let allOnes = value === 0xff >> length
  for (let i = 1; i < length; i++) {
    value = value * 256 + (bytes[at + i] ?? 0)
    allOnes &&= bytes[at + i] === 0xff
  }
  return { value, length, unknown: !keepMarker && allOnes }
}
