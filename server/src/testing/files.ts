/**
 * Helpers for file tests: multipart bodies built by hand (so a test controls every byte and
 * header), and images made with sharp — a photo with a GPS position, and a decompression bomb (a
 * PNG of a few hundred bytes whose header claims ten billion pixels).
 */
import { deflateSync, crc32 } from 'node:zlib'
import sharp from 'sharp'

export type Part = { name: string; value: string } | { name: string; filename: string; type?: string; data: Uint8Array }

export function multipart(parts: Part[]): { body: Buffer; contentType: string } {
  const boundary = `----parley${Math.random().toString(16).slice(2)}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    const disposition =
      'filename' in part
        ? `form-data; name="${part.name}"; filename="${part.filename.replaceAll('"', '%22')}"`
        : `form-data; name="${part.name}"`
    const head = [`--${boundary}`, `Content-Disposition: ${disposition}`]
    if ('filename' in part) head.push(`Content-Type: ${part.type ?? 'application/octet-stream'}`)
    chunks.push(Buffer.from(`${head.join('\r\n')}\r\n\r\n`))
    chunks.push('filename' in part ? Buffer.from(part.data) : Buffer.from(part.value))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** A small PNG (a gradient, so it does not compress to nothing). */
export async function png(width = 64, height = 48): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3)
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) % 256
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer()
}

/** A JPEG photo carrying its position (EXIF GPS directory) and a camera make. */
export async function photoWithLocation(width = 80, height = 60): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#4a7' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'ParleyCam', Model: 'Test' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 2400/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 21/1 0/1',
      },
    })
    .toBuffer()
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body) >>> 0)
  return Buffer.concat([length, body, crc])
}

/** A PNG whose header says 100 000 × 100 000 grey pixels, with a tiny compressed body. */
export function pngBomb(side = 100_000): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(side, 0)
  header.writeUInt32BE(side, 4)
  header[8] = 8 // bit depth
  header[9] = 0 // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(64 * 1024))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
