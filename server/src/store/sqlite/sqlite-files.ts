/** Files and blobs on SQLite (migration 150). */
import type { DatabaseSync } from 'node:sqlite'
import type { BlobRecord, FileCreated, FileRecord, FileRepository } from '../file-records.ts'
import { cached, isUniqueViolation, nullableNumber, transaction, type Row } from './sqlite-util.ts'

const FILE_COLUMNS =
  'id, room_id, seq, owner_id, name, media_type, size, blob_id, width, height, thumbnail_blob_id, thumbnail_width, thumbnail_height, source_url, created_at'

function toFile(row: Row): FileRecord {
  return {
    id: String(row.id),
    roomId: String(row.room_id),
    seq: nullableNumber(row.seq),
    ownerId: String(row.owner_id),
    name: String(row.name),
    mediaType: String(row.media_type),
    size: Number(row.size),
    blobId: String(row.blob_id),
    width: nullableNumber(row.width),
    height: nullableNumber(row.height),
    thumbnail:
      row.thumbnail_blob_id === null
        ? null
        : {
            blobId: String(row.thumbnail_blob_id),
            width: Number(row.thumbnail_width),
            height: Number(row.thumbnail_height),
          },
    sourceUrl: row.source_url === null ? null : String(row.source_url),
    createdAt: Number(row.created_at),
  }
}

function toBlob(row: Row): BlobRecord {
  return { id: String(row.id), sha256: String(row.sha256), size: Number(row.size), createdAt: Number(row.created_at) }
}

export class SqliteFileRepository implements FileRepository {
  readonly #db: DatabaseSync
  constructor(db: DatabaseSync) {
    this.#db = db
  }

  async addBlob(blob: BlobRecord): Promise<{ id: string; existing: boolean }> {
    try {
      cached(this.#db, 'INSERT INTO blobs (id, sha256, size, created_at) VALUES (?, ?, ?, ?)').run(
        blob.id,
        blob.sha256,
        blob.size,
        blob.createdAt,
      )
      return { id: blob.id, existing: false }
    } catch (error) {
      if (!isUniqueViolation(error, 'sha256')) throw error
      const row = cached(this.#db, 'SELECT id FROM blobs WHERE sha256 = ?').get(blob.sha256)
      if (!row) throw error
      return { id: String(row.id), existing: true }
    }
  }

  async blob(id: string): Promise<BlobRecord | null> {
    const row = cached(this.#db, 'SELECT * FROM blobs WHERE id = ?').get(id)
    return row ? toBlob(row) : null
  }

  async removeBlobIfUnused(id: string): Promise<boolean> {
    const result = cached(
      this.#db,
      'DELETE FROM blobs WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM files WHERE blob_id = ?1 OR thumbnail_blob_id = ?1)',
    ).run(id)
    return Number(result.changes) === 1
  }

  async create(file: FileRecord, quotaBytes: number | null): Promise<FileCreated> {
    return transaction(this.#db, () => {
      if (quotaBytes !== null && file.sourceUrl === null) {
        const used = this.#usage(file.ownerId)
        if (used + file.size > quotaBytes) return { ok: false, error: { type: 'quota-exceeded', usedBytes: used } }
      }
      cached(this.#db, `INSERT INTO files (${FILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        file.id,
        file.roomId,
        file.seq,
        file.ownerId,
        file.name,
        file.mediaType,
        file.size,
        file.blobId,
        file.width,
        file.height,
        file.thumbnail?.blobId ?? null,
        file.thumbnail?.width ?? null,
        file.thumbnail?.height ?? null,
        file.sourceUrl,
        file.createdAt,
      )
      return { ok: true } as const
    })
  }

  async attach(id: string, seq: number): Promise<boolean> {
    return Number(cached(this.#db, 'UPDATE files SET seq = ? WHERE id = ? AND seq IS NULL').run(seq, id).changes) === 1
  }

  async byId(id: string): Promise<FileRecord | null> {
    const row = cached(this.#db, `SELECT ${FILE_COLUMNS} FROM files WHERE id = ?`).get(id)
    return row ? toFile(row) : null
  }

  async byMessage(roomId: string, seq: number): Promise<FileRecord[]> {
    return cached(this.#db, `SELECT ${FILE_COLUMNS} FROM files WHERE room_id = ? AND seq = ? ORDER BY created_at, id`)
      .all(roomId, seq)
      .map(toFile)
  }

  async listForRoom(roomId: string, before: number | null, limit: number): Promise<FileRecord[]> {
    return cached(
      this.#db,
      `SELECT ${FILE_COLUMNS} FROM files WHERE room_id = ? AND seq IS NOT NULL AND seq < ? ORDER BY seq DESC, id LIMIT ?`,
    )
      .all(roomId, before ?? Number.MAX_SAFE_INTEGER, limit)
      .map(toFile)
  }

  #usage(ownerId: string): number {
    const row = cached(
      this.#db,
      'SELECT COALESCE(SUM(size), 0) AS used FROM files WHERE owner_id = ? AND source_url IS NULL',
    ).get(ownerId)
    return Number(row?.used ?? 0)
  }

  async usage(ownerId: string): Promise<number> {
    return this.#usage(ownerId)
  }

  async delete(id: string): Promise<FileRecord | null> {
    const row = cached(this.#db, `DELETE FROM files WHERE id = ? RETURNING ${FILE_COLUMNS}`).get(id)
    return row ? toFile(row) : null
  }

  async orphans(pendingBefore: number, limit: number): Promise<FileRecord[]> {
    const prefixed = FILE_COLUMNS.split(', ')
      .map((c) => `f.${c}`)
      .join(', ')
    return cached(
      this.#db,
      `SELECT ${prefixed} FROM files f
         LEFT JOIN rooms r ON r.id = f.room_id
         LEFT JOIN messages m ON m.room_id = f.room_id AND m.seq = f.seq
       WHERE (f.seq IS NULL AND f.created_at < ?)
          OR (f.seq IS NOT NULL AND r.id IS NOT NULL
              AND (r.deleted_at IS NOT NULL OR m.seq IS NULL OR m.deleted_at IS NOT NULL))
       LIMIT ?`,
    )
      .all(pendingBefore, limit)
      .map(toFile)
  }

  async unusedBlobs(before: number, limit: number): Promise<string[]> {
    return cached(
      this.#db,
      `SELECT id FROM blobs b WHERE created_at < ?
         AND NOT EXISTS (SELECT 1 FROM files WHERE blob_id = b.id OR thumbnail_blob_id = b.id) LIMIT ?`,
    )
      .all(before, limit)
      .map((row) => String(row.id))
  }

  async capabilitySecret(candidate: string): Promise<string> {
    cached(this.#db, 'INSERT OR IGNORE INTO file_secrets (id, secret) VALUES (1, ?)').run(candidate)
    return String(cached(this.#db, 'SELECT secret FROM file_secrets WHERE id = 1').get()?.secret)
  }
}
