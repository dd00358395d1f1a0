import type { Readable } from 'node:stream'

export type CliIo = {
  env: Record<string, string | undefined>
  stdin: Readable
  out: (text: string) => void
  err: (text: string) => void
}

export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks).toString('utf8')
}
