/**
 * Raster images: their size, a WebP thumbnail, and their location data. Shared files are read from
 * a file on disk, never from a Buffer: sharp buffers a stream input whole (and a stream output
 * too), while from a file path libvips decodes in strips as it goes (sequentialRead), so memory
 * follows the image's width, not its bytes; re-encoded images are written to a file the same way.
 * Every decode goes through
 * sharp with `limitInputPixels`: an image whose header claims more pixels than the limit is refused
 * before a single pixel is decoded (a few kilobytes can claim gigapixels: a decompression bomb).
 * Photos carry their position in EXIF (the GPS directory) or XMP; unless the uploader keeps it, the
 * image is re-encoded without metadata (orientation applied, colour profile kept), which is the
 * only way to drop a metadata block without leaving parts of it behind.
 */
import type sharp from 'sharp'
import type { Sharp } from 'sharp'
import type exifReader from 'exif-reader'

export const THUMBNAIL_SIZE = 320

export type ImageFacts = { width: number; height: number; hasLocation: boolean; animated: boolean }

export type ImageOutcome<T> = { ok: true; value: T } | { ok: false; error: 'image-too-large' | 'image-invalid' }

// sharp (with libvips) and exif-reader load at the first image, not at startup: an instance that
// nobody sends an image to never pays their ~25 MB. They load outside the functions' try blocks, so
// a broken install fails loudly instead of reading as an invalid image.
type Libraries = { sharp: typeof sharp; exifReader: typeof exifReader }
let libraries: Promise<Libraries> | undefined
function loadLibraries(): Promise<Libraries> {
  libraries ??= Promise.all([import('sharp'), import('exif-reader')]).then(
    ([sharp, exif]) => {
      // libvips' operation cache keeps recent loads (with their files open) to answer a repeated
      // operation: each image here is processed once, so it would only hold the descriptors of
      // deleted work files and the disk space behind them. Process-wide, as libvips' cache is.
      sharp.default.cache(false)
      return { sharp: sharp.default, exifReader: exif.default }
    },
    (error: unknown) => {
      libraries = undefined
      throw error
    },
  )
  return libraries
}

/** A path to the image's file (what shared files use), or its bytes (avatars, small by their own limit). */
export type ImageInput = string | Buffer

function open(sharp: Libraries['sharp'], input: ImageInput, maxPixels: number, animated = false): Sharp {
  // failOn 'error': a truncated or slightly damaged photo still gets a thumbnail; garbage does not decode.
  return sharp(input, { limitInputPixels: maxPixels, failOn: 'error', animated, sequentialRead: true })
}

function refusal(error: unknown): { ok: false; error: 'image-too-large' | 'image-invalid' } {
  const message = error instanceof Error ? error.message : String(error)
  return { ok: false, error: /pixel limit/i.test(message) ? 'image-too-large' : 'image-invalid' }
}

export async function inspectImage(input: ImageInput, maxPixels: number): Promise<ImageOutcome<ImageFacts>> {
  const { sharp, exifReader } = await loadLibraries()
  try {
    const meta = await open(sharp, input, maxPixels).metadata()
    const width = meta.autoOrient?.width ?? meta.width
    const height = meta.autoOrient?.height ?? meta.height
    if (!width || !height) return { ok: false, error: 'image-invalid' }
    // sharp reads the header only for metadata(): check the pixel budget here too.
    if (meta.width * (meta.pageHeight ?? meta.height) > maxPixels) return { ok: false, error: 'image-too-large' }
    return {
      ok: true,
      value: {
        width,
        height,
        hasLocation: hasLocation(meta.exif, meta.xmp, exifReader),
        animated: (meta.pages ?? 1) > 1,
      },
    }
  } catch (error) {
    return refusal(error)
  }
}

function hasLocation(exif: Buffer | undefined, xmp: Buffer | undefined, readExif: typeof exifReader): boolean {
  if (xmp && /GPS(Latitude|Longitude|Position)|exif:GPS|Iptc4xmpExt:LocationCreated/i.test(xmp.toString('latin1')))
    return true
  if (!exif) return false
  try {
    const gps = readExif(exif).GPSInfo
    return gps !== undefined && Object.keys(gps).some((tag) => /Latitude|Longitude|Altitude|Position|Area/.test(tag))
  } catch {
    // An EXIF block we cannot read may still hold a position: treat it as if it did.
    return true
  }
}

/**
 * The image re-encoded in its own format without metadata (orientation applied, ICC profile kept),
 * written to the file `output`; answers its size in bytes.
 */
export async function withoutLocation(
  input: ImageInput,
  output: string,
  mediaType: string,
  facts: ImageFacts,
  maxPixels: number,
): Promise<ImageOutcome<{ size: number }>> {
  const { sharp } = await loadLibraries()
  try {
    let image = open(sharp, input, maxPixels, facts.animated)
    if (!facts.animated) image = image.rotate()
    image = image.keepIccProfile()
    switch (mediaType) {
      case 'image/jpeg':
        // Huffman tables optimised for the image need a second pass over all of its coefficients,
        // which libjpeg keeps in memory (~6 bytes a pixel at 4:4:4): a few percent of size is not
        // worth memory that grows with the image.
        image = image.jpeg({ quality: 92, chromaSubsampling: '4:4:4', optimiseCoding: false })
        break
      case 'image/png':
        image = image.png()
        break
      case 'image/webp':
        image = image.webp({ quality: 92 })
        break
      case 'image/gif':
        image = image.gif()
        break
      case 'image/avif':
        image = image.avif({ quality: 70 })
        break
      case 'image/tiff':
        image = image.tiff()
        break
      default:
        return { ok: false, error: 'image-invalid' }
    }
    const info = await image.toFile(output)
    return { ok: true, value: { size: info.size } }
  } catch (error) {
    return refusal(error)
  }
}

export async function thumbnail(
  input: ImageInput,
  maxPixels: number,
): Promise<ImageOutcome<{ data: Buffer; width: number; height: number }>> {
  const { sharp } = await loadLibraries()
  try {
    const { data, info } = await open(sharp, input, maxPixels)
      .rotate()
      .resize({ width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 70 })
      .toBuffer({ resolveWithObject: true })
    return { ok: true, value: { data, width: info.width, height: info.height } }
  } catch (error) {
    return refusal(error)
  }
}

/** An avatar: the image's centre as a `size`-pixel WebP square, orientation applied, no metadata kept. */
export async function avatarImage(input: Buffer, size: number, maxPixels: number): Promise<ImageOutcome<Buffer>> {
  const { sharp } = await loadLibraries()
  try {
    const data = await open(sharp, input, maxPixels)
      .rotate()
      .resize({ width: size, height: size, fit: 'cover', position: 'centre' })
      .webp({ quality: 80 })
      .toBuffer()
    return { ok: true, value: data }
  } catch (error) {
    return refusal(error)
  }
}
