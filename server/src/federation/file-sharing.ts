/**
 * Files in rooms across instances, the server's side. Member side: when the host of a room local
 * users are in announces a message with a file (or a history page carries one), a copy is fetched
 * (through the guarded fetcher, in the background, so the room's other events are not held up) and
 * kept for them as a file of the local room that mirrors it — served by the ordinary files routes
 * to that room's participants; when the message is deleted, or the room, the copy goes. The federation's replica repository is wrapped for that,
 * as member-push.ts wraps it for realtime pushes.
 */
import type { FederationRepositories, FileAttachment, RoomReplicaRepository } from '@parley/federation'
import type { FileService } from '../files/file-service.ts'
import type { FileCopies } from '../files/file-copies.ts'
import type { Store } from '../store/ports.ts'
import type { FileRecord } from '../store/file-records.ts'
import type { Logger } from '../logger.ts'
import type { FileView } from '@parley/protocol'
import { fileSnapshot, filesPath, fileView } from '../files/file-views.ts'

/** What the federation's inbound side uses of the file service (remote members' and senders' files). */
export type FileSharing = Pick<FileService, 'shareRemote' | 'attachmentsOf'>

export class ReplicaFiles {
  readonly #store: Store
  readonly #log: Logger | undefined
  readonly #copies: FileCopies
  readonly #running = new Set<Promise<unknown>>()
  /** Copies being fetched, by `{local room} {seq}`: a forwarded upload waits for its own (waitForCopy). */
  readonly #pending = new Map<string, Promise<void>>()

  constructor(deps: { store: Store; copies: FileCopies; logger?: Logger | undefined }) {
    this.#store = deps.store
    this.#copies = deps.copies
    this.#log = deps.logger?.child({ component: 'files' })
  }

  /** Resolves when the copies being fetched are kept (or refused). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running])
  }

  /**
   * The copy of message `seq`'s file in local room `roomId` (a room hosted elsewhere), once its
   * fetch is done — null when none was kept, or none was started within `timeoutMs`.
   */
  async waitForCopy(roomId: string, seq: number, timeoutMs: number): Promise<FileRecord | null> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const [copy] = await this.#store.files.byMessage(roomId, seq)
      if (copy) return copy
      const pending = this.#pending.get(`${roomId} ${seq}`)
      if (pending) {
        await pending
        return (await this.#store.files.byMessage(roomId, seq))[0] ?? null
      }
      if (Date.now() >= deadline) return null
      // The Announce that starts the fetch is on its way: wait for the next copy to start or finish.
      await Promise.race([...this.#running, new Promise((resolve) => setTimeout(resolve, 25))])
    }
  }

  wrap(repositories: FederationRepositories): FederationRepositories {
    const rooms = repositories.rooms
    return { ...repositories, rooms: { ...rooms, replicas: this.#replicas(rooms.replicas) } }
  }

  #replicas(inner: RoomReplicaRepository): RoomReplicaRepository {
    return {
      apply: async (roomId, eventSeq, event) => {
        const applied = await inner.apply(roomId, eventSeq, event)
        if (applied !== 'applied') return applied
        if (event.type === 'message.new' && event.attachments?.[0])
          this.#track(roomId, event.messageSeq, event.author.id, event.attachments[0])
        if (event.type === 'message.deleted') this.#untrack(this.#drop(roomId, event.messageSeq))
        return applied
      },
      messages: (roomId, afterSeq, limit) => inner.messages(roomId, afterSeq, limit),
      // A history page (a first join, or what was missed): its file messages' copies are kept too.
      store: async (roomId, messages) => {
        await inner.store(roomId, messages)
        for (const m of messages) {
          if (m.deletedAt !== null) this.#untrack(this.#drop(roomId, m.seq))
          else if (m.attachments?.[0]) this.#track(roomId, m.seq, m.authorId, m.attachments[0])
        }
      },
      head: (roomId) => inner.head(roomId),
      advanceHead: (roomId, eventSeq) => inner.advanceHead(roomId, eventSeq),
      drop: async (roomId) => {
        await inner.drop(roomId)
        this.#untrack(this.#drop(roomId))
      },
    }
  }

  /**
   * Keeps the copy of a message's file now (the mirror waits for it, so the live `message.new`
   * carries `file` like a local one); a failure is logged and the message goes on without it.
   */
  async keepNow(roomUri: string, seq: number, authorId: string, attachment: FileAttachment): Promise<void> {
    const work = this.#start(roomUri, seq, authorId, attachment)
    this.#untrack(work)
    await work.catch(() => undefined) // #untrack logged the failure; the message goes on without the file
  }

  #track(roomUri: string, seq: number, authorId: string, attachment: FileAttachment): void {
    this.#untrack(this.#start(roomUri, seq, authorId, attachment))
  }

  /** Fetches the copy unless it is being fetched already (then that fetch is the answer). */
  #start(roomUri: string, seq: number, authorId: string, attachment: FileAttachment): Promise<void> {
    return (async () => {
      const roomId = await this.#store.remoteRooms.roomOf(roomUri)
      if (!roomId) return
      const key = `${roomId} ${seq}`
      const running = this.#pending.get(key)
      if (running) return running
      const keep = this.#keep(roomUri, roomId, seq, authorId, attachment).finally(() => {
        if (this.#pending.get(key) === keep) this.#pending.delete(key)
      })
      this.#pending.set(key, keep)
      return keep
    })()
  }

  #untrack(work: Promise<void>): void {
    const tracked = work
      .catch((error: unknown) => this.#log?.warn({ err: error }, 'copy of a remote file failed'))
      .finally(() => this.#running.delete(tracked))
    this.#running.add(tracked)
  }

  async #keep(roomUri: string, roomId: string, seq: number, authorId: string, attachment: FileAttachment) {
    // Applied once per event, but a copy kept before (a restart, a history page overlapping events) is not fetched again.
    if ((await this.#store.files.byMessage(roomId, seq)).length > 0) return
    const kept = await this.#copies.keepCopy(roomId, seq, authorId, attachment)
    if (kept.ok) this.#log?.info({ room: roomUri, seq, fileId: kept.value.id }, 'copy of a remote file kept')
    else this.#log?.info({ room: roomUri, seq, reason: kept.reason }, 'remote file not kept')
  }

  async #drop(roomUri: string, seq?: number): Promise<void> {
    const roomId = await this.#store.remoteRooms.roomOf(roomUri)
    if (roomId) await this.#copies.dropCopies(roomId, seq)
  }
}

/** The copies of the files of these messages of local room `roomId` (hosted elsewhere), as views, by seq. */
export async function copyViews(
  store: Pick<Store, 'files'>,
  roomId: string,
  seqs: readonly number[],
): Promise<Map<number, FileView>> {
  const views = new Map<number, FileView>()
  for (const seq of seqs) {
    const [copy] = await store.files.byMessage(roomId, seq)
    if (copy) views.set(seq, fileView(fileSnapshot(copy), filesPath(roomId)))
  }
  return views
}
