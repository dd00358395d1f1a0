/**
 * A file's type comes from its content (`file-type` reads its first bytes), never from the client:
 * a declared type is only a claim, checked against what the content is. What a file is served as
 * follows from that type: types a browser would run or that fetchers would take for one of our
 * documents (HTML, SVG, XML, JavaScript, JSON-LD/ActivityStreams) are served as opaque bytes.
 */
/** How many leading bytes detection reads. */
export const SNIFF_BYTES = 4100

/** Common spellings of the same type. */
const ALIASES: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/mp3': 'audio/mpeg',
  'audio/x-mpeg': 'audio/mpeg',
  'audio/x-flac': 'audio/flac',
  'audio/x-m4a': 'audio/mp4',
  'audio/m4a': 'audio/mp4',
  'video/x-m4v': 'video/mp4',
  'application/x-zip-compressed': 'application/zip',
  'application/x-zip': 'application/zip',
  'application/x-gzip': 'application/gzip',
  'application/x-pdf': 'application/pdf',
  'text/xml': 'application/xml',
}

/** Container formats whose content detection names the container, not the document inside it. */
const CONTAINERS: Record<string, RegExp> = {
  'application/zip':
    /^application\/(vnd\.openxmlformats-officedocument\..+|vnd\.oasis\.opendocument\..+|epub\+zip|java-archive|vnd\.android\.package-archive|x-.+\+zip|.+\+zip)$/,
  'application/x-cfb': /^application\/(msword|vnd\.ms-.+|x-msi|x-ole-storage)$/,
  'application/xml': /^(application|image)\/.+\+xml$/,
}

const TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/

export function normaliseType(raw: string | null | undefined): string | null {
  if (!raw) return null
  const bare = raw.split(';')[0]?.trim().toLowerCase() ?? ''
  if (!TYPE.test(bare) || bare === 'application/octet-stream') return null
  return ALIASES[bare] ?? bare
}

export type TypeVerdict = { ok: true; mediaType: string } | { ok: false; declared: string; detected: string }

/**
 * The file's type from its first bytes and the client's claim: the detected type when there is
 * one (a claim that disagrees is refused, but a claim naming a document inside a detected container
 * — a .docx inside its zip — is taken); otherwise the claim, unless it names a type detection would
 * have recognised, or text while the bytes are binary; with neither, text/plain or opaque bytes.
 */
export async function decideType(head: Uint8Array, declaredRaw: string | null): Promise<TypeVerdict> {
  // file-type (~20 modules) loads at the first file, not at startup.
  const { fileTypeFromBuffer, supportedMimeTypes } = await import('file-type')
  const declared = normaliseType(declaredRaw)
  const detected = (await fileTypeFromBuffer(head))?.mime as string | undefined
  const binary = head.includes(0) || !isUtf8Prefix(head)
  if (detected) {
    const mediaType = ALIASES[detected] ?? detected
    if (declared === null || declared === mediaType) return { ok: true, mediaType }
    if (CONTAINERS[mediaType]?.test(declared)) return { ok: true, mediaType: declared }
    return { ok: false, declared, detected: mediaType }
  }
  if (declared === null) return { ok: true, mediaType: binary ? 'application/octet-stream' : 'text/plain' }
  if ((supportedMimeTypes as ReadonlySet<string>).has(declared) && !CONTAINERS[declared])
    return { ok: false, declared, detected: binary ? 'application/octet-stream' : 'text/plain' }
  if (binary && (declared.startsWith('text/') || /[+/](json|xml)$/.test(declared)))
    return { ok: false, declared, detected: 'application/octet-stream' }
  return { ok: true, mediaType: declared }
}

/** Whether the bytes could be the start of UTF-8 text (a character cut at the end is allowed). */
function isUtf8Prefix(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, Math.max(0, bytes.length - 3)))
    return true
  } catch {
    return false
  }
}

/** Raster images sharp decodes for thumbnails (SVG is never rendered: it is a document with scripts). */
export const RASTER_IMAGES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
  'image/tiff',
])

/** Types a browser may show in the page from our origin: they cannot run anything. */
const INLINE = /^(image\/(jpeg|png|webp|gif|avif)|audio\/[a-z0-9.+-]+|video\/(mp4|webm|ogg|quicktime)|text\/plain)$/

/** Types served as opaque bytes: a browser would run them, or a fetcher take them for one of our documents. */
const ACTIVE = /(html|xml|svg|javascript|ecmascript|json|xslt|^text\/(?!plain$|csv$|markdown$)|^multipart\/)/

export function isInline(mediaType: string): boolean {
  return INLINE.test(mediaType) && !ACTIVE.test(mediaType)
}

/** The Content-Type a file is served with. */
export function servedType(mediaType: string): string {
  if (ACTIVE.test(mediaType)) return 'application/octet-stream'
  return mediaType.startsWith('text/') ? `${mediaType}; charset=utf-8` : mediaType
}
