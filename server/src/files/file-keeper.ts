/**
 * Keeps the store and the blob store in step as shares go: when a message sharing files is deleted
 * (told by the room event log, on the node that deleted it), its file records go, and each blob
 * goes once no record refers to it. The sweep catches what events cannot (expired messages, a node
 * stopped between the delete and the clean-up, uploads that never got their message).
 */
import type { RoomEvent } from '@parley/protocol'
import type { Store } from '../store/ports.ts'
import type { FileRecord } from '../store/file-records.ts'
import type { Logger } from '../logger.ts'
import type { BlobStore } from './blobs/blob-store.ts'
import { blobKey } from './ingest.ts'

export class FileKeeper {
  readonly #store: Store
  readonly #blobs: BlobStore
  readonly #log: Logger
  readonly #now: () => number
  readonly #pendingTtlMs: number
  /** Clean-ups started by events, so that `idle()` can wait for them (tests, shutdown). */
  readonly #running = new Set<Promise<unknown>>()

  constructor(deps: { store: Store; blobs: BlobStore; logger: Logger; now: () => number; pendingTtlMs: number }) {
    this.#store = deps.store
    this.#blobs = deps.blobs
    this.#log = deps.logger.child({ component: 'files' })
    this.#now = deps.now
    this.#pendingTtlMs = deps.pendingTtlMs
  }

  /** For the event log's `onEvent`: never throws, never waits. */
  readonly onRoomEvent = (roomId: string, _seq: number, event: RoomEvent): void => {
    if (event.type !== 'message.deleted' && event.type !== 'room.deleted') return
    const work = event.type === 'message.deleted' ? this.messageDeleted(roomId, event.message.seq) : this.sweep()
    const tracked = work
      .catch((error: unknown) => this.#log.warn({ err: error, roomId }, 'file clean-up failed; the sweep retries'))
      .finally(() => this.#running.delete(tracked))
    this.#running.add(tracked)
  }

  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running])
  }

  /** The message sharing files was deleted: its shares go, and their blobs when nothing else refers to them. */
  async messageDeleted(roomId: string, seq: number): Promise<number> {
    const files = await this.#store.files.byMessage(roomId, seq)
    for (const file of files) await this.remove(file)
    return files.length
  }

  /**
   * Removes shares whose message or room is gone, uploads that never got their message, and blobs
   * kept but never referred to (all older than the upload expiry, so nothing in progress).
   */
  async sweep(): Promise<number> {
    const before = this.#now() - this.#pendingTtlMs
    let removed = 0
    for (;;) {
      const orphans = await this.#store.files.orphans(before, 100)
      for (const file of orphans) await this.remove(file)
      removed += orphans.length
      if (orphans.length < 100) break
    }
    for (;;) {
      const unused = await this.#store.files.unusedBlobs(before, 100)
      for (const blobId of unused) await this.release({ blobId, thumbnail: null })
      if (unused.length < 100) return removed
    }
  }

  async remove(file: FileRecord): Promise<void> {
    await this.#store.files.delete(file.id)
    await this.release(file)
    this.#log.debug({ roomId: file.roomId, fileId: file.id }, 'file share removed')
  }

  /** Drops blobs no file refers to any more (the record first: a leftover object is harmless, a dangling record is not). */
  async release(blobs: { blobId: string; thumbnail: { blobId: string } | null }): Promise<void> {
    for (const id of [blobs.blobId, blobs.thumbnail?.blobId]) {
      if (id !== undefined && (await this.#store.files.removeBlobIfUnused(id))) await this.#blobs.delete(blobKey(id))
    }
  }
}
