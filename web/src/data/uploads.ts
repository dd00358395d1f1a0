/**
 * Files being shared into rooms: each upload's progress, its cancel, and its refusal in words. The
 * SDK's resumable uploads (client.files) do the sending; the file message they end in goes into the
 * room's timeline at once (the realtime event that follows is merged with it by seq).
 */
import type { FileUpload, MessageView, Parley } from '@parley/client/browser'
import { Observable } from './observable.ts'

export type UploadEntry = {
  key: number
  roomId: string
  name: string
  totalBytes: number
  sentBytes: number
  /** A failed upload stays listed (with its error) until dismissed; a done or cancelled one goes. */
  status: 'uploading' | 'failed'
  error: unknown
}

/** Bytes per request: small enough that progress moves on a slow link, large enough to be cheap. */
const CHUNK_BYTES = 1024 * 1024

export class Uploads {
  readonly entries = new Observable<readonly UploadEntry[]>([])
  readonly #parley: Parley
  readonly #done: (message: MessageView) => void
  readonly #running = new Map<number, FileUpload>()
  #next = 0

  constructor(parley: Parley, done: (message: MessageView) => void) {
    this.#parley = parley
    this.#done = done
  }

  start(roomId: string, file: File, options: { caption?: string; replyTo?: number } = {}): void {
    const key = ++this.#next
    this.entries.update((list) => [
      ...list,
      { key, roomId, name: file.name, totalBytes: file.size, sentBytes: 0, status: 'uploading', error: null },
    ])
    let upload: FileUpload
    try {
      upload = this.#parley.rest.files.startUpload(roomId, file, {
        chunkSize: CHUNK_BYTES,
        ...(options.caption ? { caption: options.caption } : {}),
        ...(options.replyTo !== undefined ? { replyTo: options.replyTo } : {}),
      })
    } catch (error) {
      this.#patch(key, { status: 'failed', error })
      return
    }
    this.#running.set(key, upload)
    upload.on('progress', ({ sentBytes }) => this.#patch(key, { sentBytes }))
    upload.done.then(
      (message) => {
        this.#running.delete(key)
        this.#remove(key)
        this.#done(message)
      },
      (error: unknown) => {
        this.#running.delete(key)
        // A cancel is what the person asked for, not a failure to report.
        if (error instanceof DOMException && error.name === 'AbortError') return this.#remove(key)
        this.#patch(key, { status: 'failed', error })
      },
    )
  }

  /** Stops an upload and has the server drop what it took so far. */
  cancel(key: number): void {
    const upload = this.#running.get(key)
    this.#remove(key)
    if (!upload) return
    this.#running.delete(key)
    upload.abort()
    const location = upload.location
    // Best effort: the server also expires unfinished uploads by itself.
    if (location) void this.#parley.rest.files.cancel(location).catch(() => {})
  }

  dismiss(key: number): void {
    this.#remove(key)
  }

  #patch(key: number, change: Partial<UploadEntry>): void {
    this.entries.update((list) => list.map((e) => (e.key === key ? { ...e, ...change } : e)))
  }

  #remove(key: number): void {
    this.entries.update((list) => list.filter((e) => e.key !== key))
  }
}
