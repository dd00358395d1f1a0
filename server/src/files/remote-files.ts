/**
 * Files that live on another server (attachments of notes from other instances, from Mastodon):
 * fetched through the federation's guarded fetcher — https only (http on test networks), no
 * private addresses (checked before and at connect time, on every redirect), a size limit of its
 * own (`filesRemoteMaxBytes`, refused early on a larger Content-Length, else cut while streaming)
 * and a time limit — then kept like an upload: streamed into the blob store, typed from the
 * content (the claimed type only checked), images measured and thumbnailed. A copy is kept per
 * content, so what arrives twice is stored once.
 */
import { Readable } from 'node:stream'
import { remoteFetchErrorCode, type FileAttachment, type RemoteFetcher } from '@parley/federation'
import type { RemoteFetchErrorCode } from '@parley/protocol'
import type { Logger } from '../logger.ts'
import { checkFileName } from './file-names.ts'
import type { Ingest, Ingested, IngestError } from './ingest.ts'

export type RemoteFileLimits = { maxBytes: number; maxImagePixels: number; timeoutMs: number }

export type RemoteFileRefusal = RemoteFetchErrorCode | IngestError['type'] | 'fetch-failed'

export type FetchedFile = { ingested: Ingested; name: string }

/** Extensions for names made up when the URL gives none. */
const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
}

/** A remote file's URL as logged: capability links carry their credential in the query, so it is left out. */
const logged = (url: string): string => {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname}`
}

export class RemoteFiles {
  readonly #fetcher: RemoteFetcher
  readonly #ingest: Ingest
  readonly #limits: RemoteFileLimits
  readonly #log: Logger

  constructor(deps: { fetcher: RemoteFetcher; ingest: Ingest; limits: RemoteFileLimits; logger: Logger }) {
    this.#fetcher = deps.fetcher
    this.#ingest = deps.ingest
    this.#limits = deps.limits
    this.#log = deps.logger.child({ component: 'files' })
  }

  /** Fetches and keeps one attachment; a refusal (with its stable code) keeps nothing. */
  async fetch(
    attachment: FileAttachment,
    options: { maxBytes?: number } = {},
  ): Promise<{ ok: true; value: FetchedFile } | { ok: false; reason: RemoteFileRefusal }> {
    // A lower limit of the caller's (a member's share: this instance's largest file) applies as well.
    const maxBytes = Math.min(this.#limits.maxBytes, options.maxBytes ?? Number.MAX_SAFE_INTEGER)
    let stream: Readable
    try {
      const { response } = await this.#fetcher.stream(
        attachment.url,
        (url) => new Request(url, { headers: { 'user-agent': this.#fetcher.limits.userAgent, accept: '*/*' } }),
        { maxBytes, timeoutMs: this.#limits.timeoutMs },
      )
      if (response.status !== 200 || !response.body) {
        await response.body?.cancel().catch(() => {}) // best effort: this body is not read, cancelling only frees the socket
        this.#log.info({ url: logged(attachment.url), status: response.status }, 'remote file not fetched')
        return { ok: false, reason: 'fetch-failed' }
      }
      stream = Readable.fromWeb(response.body as never)
    } catch (error) {
      const reason = remoteFetchErrorCode(error) ?? 'fetch-failed'
      this.#log.info({ url: logged(attachment.url), reason, error: (error as Error).name }, 'remote file refused')
      return { ok: false, reason }
    }
    try {
      const ingested = await this.#ingest.ingest(stream, {
        maxBytes,
        maxImagePixels: this.#limits.maxImagePixels,
        declaredType: attachment.mediaType,
        keepLocation: false,
      })
      if (!ingested.ok) {
        this.#log.info({ url: logged(attachment.url), reason: ingested.error.type }, 'remote file refused')
        return { ok: false, reason: ingested.error.type }
      }
      return { ok: true, value: { ingested: ingested.value, name: fileNameFor(attachment, ingested.value.mediaType) } }
    } catch (error) {
      // The stream failed half-way (its size limit, a timeout, the server went away): nothing was kept.
      const reason = remoteFetchErrorCode(error) ?? 'fetch-failed'
      this.#log.info({ url: logged(attachment.url), reason, error: (error as Error).name }, 'remote file refused')
      return { ok: false, reason }
    }
  }
}

/**
 * A file name for a remote attachment: Parley sends the file name in `name`; Mastodon sends a
 * description there, so the name of the URL's last path segment is preferred when it has an
 * extension; otherwise `attachment.<ext>`.
 */
export function fileNameFor(attachment: FileAttachment, mediaType: string): string {
  const fromUrl = decodeURIComponent(new URL(attachment.url).pathname.split('/').pop() ?? '')
  const candidates = [attachment.name, fromUrl]
  if (!/\.[a-z0-9]{1,8}$/i.test(attachment.name)) candidates.reverse()
  for (const candidate of candidates) {
    const checked = checkFileName(candidate.slice(0, 200))
    if (checked.ok && /\.[a-z0-9]{1,8}$/i.test(checked.name)) return checked.name
  }
  return `attachment.${EXTENSIONS[mediaType] ?? 'bin'}`
}
