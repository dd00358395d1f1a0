/**
 * Files in rooms: a participant's upload becomes a kept blob and a chat message that shares it
 * (name, size, type, preview); participants and the room's guests download it; deleting the
 * message deletes the share, and a blob goes once no share refers to it. Every action is decided by
 * the room policy (`file.share`, `file.read`); limits (largest file, per-person quota, image pixels)
 * come from config and are checked before anything is kept.
 */
import { randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import { MAX_MESSAGE_LENGTH, type FileQuota, type MessageView, type SharedFileList } from '@parley/protocol'
import type { Store } from '../store/ports.ts'
import type { FileRecord } from '../store/file-records.ts'
import type { RoomService, Access } from '../rooms/room-service.ts'
import type { ChatService } from '../rooms/chat-service.ts'
import { fail, ok, type Caller, type Result } from '../rooms/result.ts'
import { messageView } from '../rooms/views.ts'
import type { Logger } from '../logger.ts'
import type { BlobStore } from './blobs/blob-store.ts'
import { blobKey, Ingest, type Ingested } from './ingest.ts'
import { checkFileName } from './file-names.ts'
import { fileSnapshot, filesPath, fileView } from './file-views.ts'
import type { CapabilitySigner, FileVariant } from './capability.ts'
import type { FileKeeper } from './file-keeper.ts'
import type { RemoteFiles } from './remote-files.ts'
import type { FileAttachment } from '@parley/federation'
import { attachmentsOf } from './file-attachments.ts'

export type FileLimits = {
  maxBytes: number
  /** null: no quota. */
  quotaBytes: number | null
  maxImagePixels: number
  linkTtlMs: number
  /** Uploads that got no message for this long are removed by the sweep. */
  pendingTtlMs: number
}

/**
 * Rooms hosted on other instances (federation/remote-room-writes.ts): a file shared in one is
 * offered to the room's host by a capability URL of ours; the host fetches it, applies its own
 * limits and posts it, and this instance keeps the host's copy like any file the host announces.
 */
export type ForwardedFiles = {
  /** The room's URL on its host when `roomId` mirrors a room hosted elsewhere, else null. */
  hostOf(roomId: string): Promise<string | null>
  share(
    caller: Caller,
    roomId: string,
    roomUri: string,
    input: { attachment: FileAttachment; caption: string; replyTo: number | null },
  ): Promise<Result<MessageView>>
}

/** How long the host may take to start fetching a forwarded upload (it fetches while the forward waits). */
const FORWARD_LINK_TTL_MS = 10 * 60_000

export type FileServiceDeps = {
  store: Store
  blobs: BlobStore
  keeper: FileKeeper
  links: CapabilitySigner
  /** Fetches files of other servers (attachments of federated notes); without it they are not fetched. */
  remote?: RemoteFiles
  /** Rooms hosted elsewhere: uploads go to their host. */
  forwarded?: ForwardedFiles
  rooms: RoomService
  chat: ChatService
  limits: FileLimits
  /** Where images are worked on while they are ingested (files-setup.ts: `imageWorkDir`). */
  workDir: string
  logger: Logger
  now?: () => number
}

export type ShareInput = {
  source: Readable
  name: string
  /** The type the client claims (checked against the content). */
  declaredType: string | null
  /** The size the client announced, when it did (refused early when over the limits). */
  declaredSize: number | null
  caption?: string | undefined
  keepLocation?: boolean | undefined
  replyTo?: number | undefined
}

/** A blob ready to be served. */
export type Servable = { file: FileRecord; key: string; size: number; mediaType: string; variant: FileVariant }

export class FileService {
  readonly #store: Store
  readonly #blobs: BlobStore
  readonly #rooms: RoomService
  readonly #chat: ChatService
  readonly #now: () => number
  readonly #log: Logger
  readonly #ingest: Ingest
  readonly #keeper: FileKeeper
  readonly #remote: RemoteFiles | undefined
  readonly #forwarded: ForwardedFiles | undefined
  readonly limits: FileLimits
  readonly links: CapabilitySigner

  constructor(deps: FileServiceDeps) {
    this.#store = deps.store
    this.#blobs = deps.blobs
    this.#rooms = deps.rooms
    this.#chat = deps.chat
    this.#now = deps.now ?? Date.now
    this.#log = deps.logger.child({ component: 'files' })
    this.limits = deps.limits
    this.#ingest = new Ingest({ blobs: deps.blobs, files: deps.store.files, now: this.#now, workDir: deps.workDir })
    this.#keeper = deps.keeper
    this.links = deps.links
    this.#remote = deps.remote
    this.#forwarded = deps.forwarded
  }

  get blobs(): BlobStore {
    return this.#blobs
  }

  /**
   * What can be refused before a byte is read: the room's policy, the name, and the announced size
   * against the largest file and the caller's quota. Uploads check this first (multipart and tus).
   */
  async preflight(
    caller: Caller,
    roomId: string,
    input: { name: string; size: number | null },
  ): Promise<Result<{ access: Access; name: string }>> {
    const access = await this.#rooms.access(caller, roomId, 'file.share')
    if (!access.ok) return access
    const name = checkFileName(input.name)
    if (!name.ok) return fail('file-name-invalid', { reason: name.reason })
    if (input.size !== null) {
      if (input.size > this.limits.maxBytes) return fail('file-too-large', { maxBytes: this.limits.maxBytes })
      // In a room hosted elsewhere the file is the host's to count (this instance keeps only its copy).
      const quota = (await this.#forwarded?.hostOf(roomId)) ? null : this.limits.quotaBytes
      if (quota !== null) {
        const used = await this.#store.files.usage(caller.id)
        if (used + input.size > quota) return fail('quota-exceeded', { usedBytes: used, quotaBytes: quota })
      }
    }
    return ok({ access: access.value, name: name.name })
  }

  /** Stores the upload and posts the message sharing it. Refusals keep nothing. */
  async share(caller: Caller, roomId: string, input: ShareInput): Promise<Result<MessageView>> {
    const checked = await this.preflight(caller, roomId, { name: input.name, size: input.declaredSize })
    if (!checked.ok) return checked
    const caption = input.caption ?? ''
    if (caption.length > MAX_MESSAGE_LENGTH)
      return fail('message-too-long', { limit: MAX_MESSAGE_LENGTH, length: caption.length })
    if (input.replyTo !== undefined && !(await this.#store.messages.get(roomId, input.replyTo)))
      return fail('reply-target-invalid', { replyTo: input.replyTo })
    if (!this.#chat.takePost(caller)) return fail('rate-limited', { retryAfterSeconds: 1 })
    const ingested = await this.#ingest.ingest(input.source, {
      maxBytes: this.limits.maxBytes,
      maxImagePixels: this.limits.maxImagePixels,
      declaredType: input.declaredType,
      keepLocation: input.keepLocation ?? false,
    })
    if (!ingested.ok) return fail(ingested.error.type, 'details' in ingested.error ? ingested.error.details : undefined)
    const roomUri = await this.#forwarded?.hostOf(roomId)
    if (roomUri)
      return this.#forward(caller, roomId, roomUri, checked.value.name, ingested.value, caption, input.replyTo)
    return this.#post(checked.value.access, caller, roomId, checked.value.name, ingested.value, {
      caption,
      replyTo: input.replyTo ?? null,
      quota: this.limits.quotaBytes,
      sourceUrl: null,
    })
  }

  /**
   * A file of another server shared in this room by `caller` (a remote account, by its actor URL):
   * fetched through the guarded fetcher and posted as their file message. A refused fetch keeps
   * nothing (`remote-file-unavailable`, `details.reason` the stable code of why).
   *
   * `member`: the file of a member of this room on another Parley instance (uploaded there into
   * this room, forwarded here): this instance is its authority, so its own limits apply — the
   * largest file and the member's quota here (the file counts towards it, not as a cached copy).
   */
  async shareRemote(
    caller: Caller,
    roomId: string,
    attachment: FileAttachment,
    options: { caption?: string; replyTo?: number | undefined; member?: boolean } = {},
  ): Promise<Result<MessageView>> {
    const access = await this.#rooms.access(caller, roomId, 'file.share')
    if (!access.ok) return access
    if (!this.#remote) return fail('remote-file-unavailable', { reason: 'not-configured' })
    if (!this.#chat.takePost(caller)) return fail('rate-limited', { retryAfterSeconds: 1 })
    const member = options.member === true
    const fetched = await this.#remote.fetch(attachment, member ? { maxBytes: this.limits.maxBytes } : {})
    if (!fetched.ok) return fail('remote-file-unavailable', { reason: fetched.reason })
    return this.#post(access.value, caller, roomId, fetched.value.name, fetched.value.ingested, {
      caption: (options.caption ?? '').slice(0, MAX_MESSAGE_LENGTH),
      replyTo: options.replyTo ?? null,
      quota: member ? this.limits.quotaBytes : null,
      sourceUrl: member ? null : attachment.url,
    })
  }

  /**
   * A file uploaded here into a room hosted elsewhere: kept here only while the host fetches it by
   * a capability URL (openLink serves such a pending file of a mirrored room, and nothing else
   * without a message), then removed — what stays is the host's copy, as for anyone's file.
   */
  async #forward(
    caller: Caller,
    roomId: string,
    roomUri: string,
    name: string,
    ingested: Ingested,
    caption: string,
    replyTo: number | undefined,
  ): Promise<Result<MessageView>> {
    const record: FileRecord = {
      id: randomUUID(),
      roomId,
      seq: null,
      ownerId: caller.id,
      name,
      mediaType: ingested.mediaType,
      size: ingested.size,
      blobId: ingested.blobId,
      width: ingested.width,
      height: ingested.height,
      thumbnail: ingested.thumbnail,
      sourceUrl: null,
      createdAt: this.#now(),
    }
    await this.#store.files.create(record, null)
    try {
      const [attachment] = await attachmentsOf(
        { file: fileView(fileSnapshot(record), '') },
        this.links,
        FORWARD_LINK_TTL_MS,
      )
      const shared = await (this.#forwarded as ForwardedFiles).share(caller, roomId, roomUri, {
        attachment: attachment as FileAttachment,
        caption,
        replyTo: replyTo ?? null,
      })
      this.#log.info(
        {
          roomId,
          roomUri,
          fileId: record.id,
          size: record.size,
          ok: shared.ok,
          ...(shared.ok ? {} : { code: shared.error.type }),
        },
        "upload forwarded to the room's host",
      )
      return shared
    } finally {
      await this.#keeper.remove(record)
    }
  }

  /** Keeps the file record (within the quota) and posts its message; undoes both on failure. */
  async #post(
    access: Access,
    caller: Caller,
    roomId: string,
    name: string,
    ingested: Ingested,
    options: { caption: string; replyTo: number | null; quota: number | null; sourceUrl: string | null },
  ): Promise<Result<MessageView>> {
    const record: FileRecord = {
      id: randomUUID(),
      roomId,
      seq: null,
      ownerId: caller.id,
      name,
      mediaType: ingested.mediaType,
      size: ingested.size,
      blobId: ingested.blobId,
      width: ingested.width,
      height: ingested.height,
      thumbnail: ingested.thumbnail,
      sourceUrl: options.sourceUrl,
      createdAt: this.#now(),
    }
    const created = await this.#store.files.create(record, options.quota)
    if (!created.ok) {
      await this.#keeper.release(ingested)
      return fail('quota-exceeded', { usedBytes: created.error.usedBytes, quotaBytes: options.quota })
    }
    let message
    try {
      message = await this.#chat.postRecord(access, caller, {
        kind: 'text',
        body: options.caption,
        data: { file: fileSnapshot(record) },
        replyTo: options.replyTo,
      })
    } catch (error) {
      await this.#keeper.remove(record)
      throw error
    }
    await this.#store.files.attach(record.id, message.seq)
    this.#log.info(
      { roomId, fileId: record.id, seq: message.seq, size: record.size, mediaType: record.mediaType },
      ingested.locationRemoved ? 'file shared (location removed)' : 'file shared',
    )
    return ok(messageView(message))
  }

  /** The file (or its thumbnail) for a participant or guest of its room. */
  async open(caller: Caller, roomId: string, fileId: string, variant: FileVariant): Promise<Result<Servable>> {
    const access = await this.#rooms.access(caller, roomId, 'file.read')
    if (!access.ok) return access
    const file = await this.#store.files.byId(fileId)
    if (!file || file.roomId !== roomId) return fail('not-found')
    return this.#servable(file, variant)
  }

  /** The file a capability URL names, for whoever holds the URL (another instance, Mastodon). */
  async openLink(fileId: string, variant: string, expires: string, signature: string): Promise<Result<Servable>> {
    const checked = await this.links.check(fileId, variant, expires, signature)
    if (!checked.ok) return fail(checked.error)
    const file = await this.#store.files.byId(fileId)
    if (!file) return fail('not-found')
    // An upload forwarded to the host of a room hosted elsewhere has no message here (see #forward).
    if (file.seq === null && (await this.#forwarded?.hostOf(file.roomId)))
      return this.#blobOf(file, variant as FileVariant)
    return this.#servable(file, variant as FileVariant)
  }

  async #servable(file: FileRecord, variant: FileVariant): Promise<Result<Servable>> {
    // Only files whose message still stands (a deleted message's file is on its way out).
    if (file.seq === null) return fail('not-found')
    const message = await this.#store.messages.get(file.roomId, file.seq)
    if (!message || message.deletedAt !== null) return fail('not-found')
    return this.#blobOf(file, variant)
  }

  async #blobOf(file: FileRecord, variant: FileVariant): Promise<Result<Servable>> {
    const blobId = variant === 'thumbnail' ? file.thumbnail?.blobId : file.blobId
    if (blobId === undefined) return fail('not-found')
    const blob = await this.#store.files.blob(blobId)
    if (!blob) return fail('not-found')
    return ok({
      file,
      key: blobKey(blobId),
      size: blob.size,
      mediaType: variant === 'thumbnail' ? 'image/webp' : file.mediaType,
      variant,
    })
  }

  /** The file a message shares, as the attachment its note carries to other servers (capability URLs). */
  attachmentsOf(message: Pick<MessageView, 'file'>): Promise<FileAttachment[]> {
    return attachmentsOf(message, this.links, this.limits.linkTtlMs)
  }

  /** A capability URL for the file (or its thumbnail), valid for `filesLinkTtlHours`. */
  linkFor(file: Pick<FileRecord, 'id'>, variant: FileVariant): Promise<string> {
    return this.links.url(file.id, variant, this.limits.linkTtlMs)
  }

  async list(
    caller: Caller,
    roomId: string,
    query: { before?: number | undefined; limit?: number | undefined },
  ): Promise<Result<SharedFileList>> {
    const access = await this.#rooms.access(caller, roomId, 'file.read')
    if (!access.ok) return access
    const limit = query.limit ?? 50
    const files = await this.#store.files.listForRoom(roomId, query.before ?? null, limit + 1)
    const shown = []
    for (const file of files.slice(0, limit)) {
      const message = file.seq === null ? null : await this.#store.messages.get(roomId, file.seq)
      if (!message || message.deletedAt !== null) continue
      shown.push({
        file: fileView(fileSnapshot(file), filesPath(roomId)),
        seq: message.seq,
        sharedBy: { id: message.actorId, name: message.actorName },
        sharedAt: new Date(message.createdAt).toISOString(),
      })
    }
    return ok({ files: shown, hasMore: files.length > limit })
  }

  async quota(caller: Caller): Promise<FileQuota> {
    return {
      usedBytes: await this.#store.files.usage(caller.id),
      quotaBytes: this.limits.quotaBytes ?? 0,
      maxFileBytes: this.limits.maxBytes,
    }
  }
}
