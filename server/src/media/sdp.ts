/**
 * The little SDP checking Parley does before handing a browser's description to a media server:
 * enough to refuse what is not SDP at all with a clear error, not a parser.
 */
import type { MediaError, MediaKind } from './engine.ts'

export const MAX_SDP_LENGTH = 64 * 1024

export function checkSdp(sdp: unknown): { ok: true; value: { kinds: MediaKind[] } } | { ok: false; error: MediaError } {
  if (typeof sdp !== 'string' || sdp.length === 0) return invalid('the SDP is empty')
  if (sdp.length > MAX_SDP_LENGTH) return invalid(`the SDP is longer than ${MAX_SDP_LENGTH} bytes`)
  const lines = sdp.split(/\r?\n/).filter((line) => line.length > 0)
  if (lines[0] !== 'v=0') return invalid('the SDP does not start with "v=0"')
  if (!lines.every((line) => /^[a-z]=/.test(line))) return invalid('the SDP has a line that is not "<letter>=<value>"')
  const kinds = new Set<MediaKind>()
  for (const line of lines) {
    const media = /^m=(audio|video|application) (\d+) /.exec(line)
    if (media?.[1] === 'audio' || media?.[1] === 'video') kinds.add(media[1])
  }
  if (!lines.some((line) => line.startsWith('m='))) return invalid('the SDP has no media section')
  return { ok: true, value: { kinds: [...kinds] } }
}

function invalid(message: string): { ok: false; error: MediaError } {
  return { ok: false, error: { type: 'invalid-sdp', message } }
}
