/**
 * Member side of rooms hosted elsewhere: copies of the files their hosts announce, kept as files of
 * the local rooms that mirror them, so their participants download them through the ordinary files
 * routes. Apart from the file service because it needs no chat: the federation's replica side
 * (federation/file-sharing.ts) keeps copies with it and is built before the chat stack.
 */
import { randomUUID } from 'node:crypto'
import type { FileAttachment } from '@parley/federation'
import type { Store } from '../store/ports.ts'
import type { FileRecord } from '../store/file-records.ts'
import type { FileKeeper } from './file-keeper.ts'
import type { RemoteFiles } from './remote-files.ts'

export class FileCopies {
  readonly #store: Store
  readonly #keeper: FileKeeper
  readonly #remote: RemoteFiles | undefined
  readonly #now: () => number

  constructor(deps: {
    store: Store
    keeper: FileKeeper
    /** Fetches files of other servers; without it no copy is kept. */
    remote?: RemoteFiles | undefined
    now?: () => number
  }) {
    this.#store = deps.store
    this.#keeper = deps.keeper
    this.#remote = deps.remote
    this.#now = deps.now ?? Date.now
  }

  /**
   * Keeps a copy of a file the host announced with message `seq`, as a file of local room `roomId`
   * (the room's mirror). Returns the copy, or why it was not kept.
   */
  async keepCopy(
    roomId: string,
    seq: number,
    ownerId: string,
    attachment: FileAttachment,
  ): Promise<{ ok: true; value: FileRecord } | { ok: false; reason: string }> {
    if (!this.#remote) return { ok: false, reason: 'not-configured' }
    const fetched = await this.#remote.fetch(attachment)
    if (!fetched.ok) return { ok: false, reason: fetched.reason }
    const { ingested, name } = fetched.value
    const record: FileRecord = {
      id: randomUUID(),
      roomId,
      seq,
      ownerId,
      name,
      mediaType: ingested.mediaType,
      size: ingested.size,
      blobId: ingested.blobId,
      width: ingested.width,
      height: ingested.height,
      thumbnail: ingested.thumbnail,
      sourceUrl: attachment.url,
      createdAt: this.#now(),
    }
    await this.#store.files.create(record, null)
    return { ok: true, value: record }
  }

  /** Removes the copies of a room hosted elsewhere (local room `roomId`: of one message, or all of them). */
  async dropCopies(roomId: string, seq?: number): Promise<void> {
    if (seq !== undefined) {
      await this.#keeper.messageDeleted(roomId, seq)
      return
    }
    for (;;) {
      const copies = await this.#store.files.listForRoom(roomId, null, 100)
      for (const copy of copies) await this.#keeper.remove(copy)
      if (copies.length < 100) return
    }
  }
}
