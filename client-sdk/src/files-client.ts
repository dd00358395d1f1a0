/**
 * Shared files, reached as `client.files`: uploads (resumable, through the server's tus endpoints,
 * one chunk at a time so only a chunk is ever in memory, with progress events and retries that
 * resume from what the server has), the room's shared files, quota, and downloads (whole, or one
 * byte range, as a stream).
 */
import type { FileQuota, FileView, MessageView, SharedFileList, SharedFileQuery } from '@parley/protocol'
import { Emitter } from './emitter.ts'
import { ParleyApiError } from './errors.ts'

/** What a FilesClient needs of the REST client (ParleyClient). */
export type FileSender = {
  request<T>(method: string, path: string, body?: unknown): Promise<T>
  send(
    method: string,
    path: string,
    init?: { headers?: Record<string, string>; body?: RequestInit['body']; signal?: AbortSignal },
  ): Promise<Response>
}

export type UploadProgress = { sentBytes: number; totalBytes: number }

export type UploadOptions = {
  /** The file's name; default: the File's own name. */
  name?: string
  /** The type you claim (the server checks it against the content); default: the Blob's type. */
  type?: string
  /** Markdown shown with the file. */
  caption?: string
  /** Keep a photo's GPS position (removed by default). */
  keepLocation?: boolean
  replyTo?: number
  /** Bytes per request; default 8 MiB. */
  chunkSize?: number
  /** Times a failed chunk is retried (resuming from what the server has) before the upload fails; default 3. */
  retries?: number
  signal?: AbortSignal
}

const TUS = { 'tus-resumable': '1.0.0' }
const DEFAULT_CHUNK = 8 * 1024 * 1024
const enc = encodeURIComponent

/** Parley's error body, or `bad-gateway` for a reply that is not Parley's (a proxy's HTML page). */
async function failure(response: Response): Promise<ParleyApiError> {
  const text = await response.text().catch(() => '')
  return ParleyApiError.fromReply(response.status, response.headers.get('content-type'), text)
}

function metadata(fields: Record<string, string | undefined>): string {
  const utf8 = new TextEncoder()
  return Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key} ${btoa(String.fromCharCode(...utf8.encode(value)))}`)
    .join(',')
}

/**
 * One upload in progress: `progress` events as chunks are taken, `done` the file message once the
 * last chunk is in. `location` names it on the server: `client.files.resume(location, data)`
 * continues it later (after a reload, say) from what the server has.
 */
export class FileUpload extends Emitter<{ progress: UploadProgress }> {
  readonly done: Promise<MessageView>
  #location: string | null = null
  readonly #abort = new AbortController()

  constructor(run: (upload: FileUpload, signal: AbortSignal) => Promise<MessageView>, signal?: AbortSignal) {
    super()
    if (signal) signal.addEventListener('abort', () => this.#abort.abort(signal.reason), { once: true })
    this.done = run(this, this.#abort.signal)
    // `done` is the caller's to await; an unobserved failure must not crash the process meanwhile.
    this.done.catch(() => {})
  }

  get location(): string | null {
    return this.#location
  }

  /** @internal */
  setLocation(location: string): void {
    this.#location = location
  }

  /** Stops sending; the server removes the unfinished upload after its expiry (or `cancel()` now). */
  abort(): void {
    this.#abort.abort(new DOMException('upload aborted', 'AbortError'))
  }
}

export class FilesClient {
  readonly #rest: FileSender

  constructor(rest: FileSender) {
    this.#rest = rest
  }

  /** Uploads `data` into the room in chunks; see FileUpload. */
  startUpload(roomId: string, data: Blob | Uint8Array, options: UploadOptions = {}): FileUpload {
    const blob = data instanceof Blob ? data : new Blob([data as Uint8Array<ArrayBuffer>])
    const name = options.name ?? (typeof File !== 'undefined' && data instanceof File ? data.name : undefined)
    if (!name) throw new TypeError('startUpload: give options.name (or upload a File)')
    return new FileUpload(async (upload, signal) => {
      const created = await this.#rest.send('POST', `/api/v1/rooms/${enc(roomId)}/uploads`, {
        headers: {
          ...TUS,
          'upload-length': String(blob.size),
          'upload-metadata': metadata({
            filename: name,
            filetype: options.type ?? (blob.type || undefined),
            caption: options.caption,
            keepLocation: options.keepLocation === undefined ? undefined : String(options.keepLocation),
            replyTo: options.replyTo === undefined ? undefined : String(options.replyTo),
          }),
        },
        signal,
      })
      if (created.status !== 201) throw await failure(created)
      const location = created.headers.get('location')
      if (!location) throw new TypeError('the server answered no upload location')
      upload.setLocation(new URL(location, 'http://x').pathname)
      return this.#send(upload, blob, 0, options, signal)
    }, options.signal)
  }

  /** Uploads `data` and resolves with the file message; `onProgress` hears each chunk taken. */
  upload(
    roomId: string,
    data: Blob | Uint8Array,
    options: UploadOptions & { onProgress?: (progress: UploadProgress) => void } = {},
  ): Promise<MessageView> {
    const upload = this.startUpload(roomId, data, options)
    if (options.onProgress) upload.on('progress', options.onProgress)
    return upload.done
  }

  /** Continues an upload (its `location`) from what the server has. `data` must be the same bytes. */
  resume(location: string, data: Blob | Uint8Array, options: UploadOptions = {}): FileUpload {
    const blob = data instanceof Blob ? data : new Blob([data as Uint8Array<ArrayBuffer>])
    return new FileUpload(async (upload, signal) => {
      upload.setLocation(location)
      return this.#send(upload, blob, await this.#offset(location, signal), options, signal)
    }, options.signal)
  }

  /** Cancels an unfinished upload on the server. */
  async cancel(location: string): Promise<void> {
    const response = await this.#rest.send('DELETE', location, { headers: TUS })
    if (response.status !== 204) throw await failure(response)
  }

  async #offset(location: string, signal: AbortSignal): Promise<number> {
    const head = await this.#rest.send('HEAD', location, { headers: TUS, signal })
    if (!head.ok) throw await failure(head)
    return Number(head.headers.get('upload-offset') ?? 0)
  }

  async #send(
    upload: FileUpload,
    blob: Blob,
    from: number,
    options: UploadOptions,
    signal: AbortSignal,
  ): Promise<MessageView> {
    const location = upload.location as string
    const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK)
    const retries = options.retries ?? 3
    let offset = from
    let failures = 0
    for (;;) {
      signal.throwIfAborted()
      const end = Math.min(blob.size, offset + chunkSize)
      let response: Response
      try {
        response = await this.#rest.send('PATCH', location, {
          headers: { ...TUS, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
          body: blob.slice(offset, end),
          signal,
        })
      } catch (error) {
        // The connection broke: ask the server what it has and go on from there.
        if (signal.aborted || ++failures > retries) throw error
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** failures))
        offset = await this.#offset(location, signal)
        continue
      }
      if (response.status === 201) {
        upload.emit('progress', { sentBytes: blob.size, totalBytes: blob.size })
        return (await response.json()) as MessageView
      }
      if (response.status === 409 && failures < retries) {
        // Out of step (a chunk the server took though its answer was lost): resume from its offset.
        failures++
        await response.body?.cancel()
        offset = await this.#offset(location, signal)
        continue
      }
      if (response.status !== 204) throw await failure(response)
      offset = Number(response.headers.get('upload-offset') ?? end)
      failures = 0
      upload.emit('progress', { sentBytes: offset, totalBytes: blob.size })
    }
  }

  /** The room's shared files, newest first. */
  list(roomId: string, query: SharedFileQuery = {}): Promise<SharedFileList> {
    const params = new URLSearchParams(
      Object.entries(query)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)] as [string, string]),
    )
    return this.#rest.request('GET', `/api/v1/rooms/${enc(roomId)}/files${params.size > 0 ? `?${params}` : ''}`)
  }

  quota(): Promise<FileQuota> {
    return this.#rest.request('GET', '/api/v1/me/file-quota')
  }

  /**
   * A shared file (or its thumbnail) as a stream; with `range`, only those bytes (inclusive).
   * Refusals are ParleyApiErrors (`range-not-satisfiable` for a range outside the file).
   */
  async download(
    file: Pick<FileView, 'url' | 'thumbnail'>,
    options: { thumbnail?: boolean; range?: { start: number; end?: number }; signal?: AbortSignal } = {},
  ): Promise<{ body: ReadableStream<Uint8Array>; size: number; mediaType: string; totalSize: number }> {
    const url = options.thumbnail ? file.thumbnail?.url : file.url
    if (!url) throw new TypeError('download: this file has no thumbnail')
    const headers: Record<string, string> = {}
    if (options.range) headers.range = `bytes=${options.range.start}-${options.range.end ?? ''}`
    const response = await this.#rest.send('GET', url, {
      headers,
      ...(options.signal ? { signal: options.signal } : {}),
    })
    if (!response.ok) throw await failure(response)
    const size = Number(response.headers.get('content-length') ?? 0)
    const total = response.headers.get('content-range')?.split('/')[1]
    return {
      body: response.body ?? new Blob([]).stream(),
      size,
      mediaType: response.headers.get('content-type') ?? 'application/octet-stream',
      totalSize: total ? Number(total) : size,
    }
  }

  /** A shared file, whole, as a Blob (small files; stream big ones with `download()`). */
  async downloadBlob(file: Pick<FileView, 'url' | 'thumbnail'>, options: { thumbnail?: boolean } = {}): Promise<Blob> {
    const { body, mediaType } = await this.download(file, options)
    return new Response(body, { headers: { 'content-type': mediaType } }).blob()
  }
}
