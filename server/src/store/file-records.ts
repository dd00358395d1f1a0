/**
 * What the store keeps about files (the bytes live in the blob store): the blobs, each kept once
 * per content (SHA-256), and the files shared in rooms, each pointing at its blob and thumbnail.
 * A blob goes when no file refers to it any more.
 */

/** Stored bytes, once per content. Its key in the blob store is `blobs/<id>`. */
export type BlobRecord = {
  id: string
  /** Hex SHA-256 of the content: a second upload of the same bytes refers to this blob. */
  sha256: string
  size: number
  createdAt: number
}

/** A file shared in a room. */
export type FileRecord = {
  id: string
  /** A local room's id; for a copy of a file in a room hosted elsewhere, the room's actor URL. */
  roomId: string
  /** The message that shares it; null while an upload is being turned into its message. */
  seq: number | null
  /** Who shared it: a user or guest id, or the actor URL of someone on another server. */
  ownerId: string
  name: string
  mediaType: string
  size: number
  blobId: string
  width: number | null
  height: number | null
  thumbnail: { blobId: string; width: number; height: number } | null
  /** Where a copy came from (the attachment URL on its own server); null for uploads here. */
  sourceUrl: string | null
  createdAt: number
}

export type FileCreated = { ok: true } | { ok: false; error: { type: 'quota-exceeded'; usedBytes: number } }

export interface FileRepository {
  /**
   * Records a blob, unless one with the same content is kept already: then that one's id is
   * answered (`existing: true`) and the caller drops the bytes it just wrote.
   */
  addBlob(blob: BlobRecord): Promise<{ id: string; existing: boolean }>
  blob(id: string): Promise<BlobRecord | null>
  /** Forgets the blob when no file refers to it (true: the caller deletes its bytes). */
  removeBlobIfUnused(id: string): Promise<boolean>
  /**
   * Stores the file, unless its owner's uploads (copies of remote files do not count) would then
   * pass `quotaBytes` (null: no quota): checked and stored together, so parallel uploads cannot
   * overshoot.
   */
  create(file: FileRecord, quotaBytes: number | null): Promise<FileCreated>
  /** Ties a pending file to the message that shares it; false when it is not pending. */
  attach(id: string, seq: number): Promise<boolean>
  byId(id: string): Promise<FileRecord | null>
  /** The files a message shares. */
  byMessage(roomId: string, seq: number): Promise<FileRecord[]>
  /** Files shared in the room (by messages before `before`, when given), newest first. */
  listForRoom(roomId: string, before: number | null, limit: number): Promise<FileRecord[]>
  /** Bytes of the owner's uploads kept now (pending ones included). */
  usage(ownerId: string): Promise<number>
  /** Removes the file's record (its blobs stay until `removeBlobIfUnused`); returns what was removed. */
  delete(id: string): Promise<FileRecord | null>
  /**
   * Files of local rooms whose message is gone (deleted, expired, or the room deleted), and
   * uploads that got no message before `pendingBefore` (the server stopped half-way).
   */
  orphans(pendingBefore: number, limit: number): Promise<FileRecord[]>
  /** Blobs made before `before` that no file refers to (a server stopped between keeping bytes and their file). */
  unusedBlobs(before: number, limit: number): Promise<string[]>
  /**
   * The secret capability URLs are signed with: `candidate` is kept when there is none yet; every
   * node sharing the store gets the same one.
   */
  capabilitySecret(candidate: string): Promise<string>
}
