/**
 * Files and blobs on MongoDB (collections `blobs`, `files`, `file_secrets`). Without multi-document
 * transactions, the quota is kept by inserting first and checking after: an upload that finds its
 * owner past the quota takes its file out again, so parallel uploads may both be refused but never
 * both kept past it.
 */
import type { Collection, Db } from 'mongodb'
import type { BlobRecord, FileCreated, FileRecord, FileRepository } from '../file-records.ts'
import { isDuplicateKey, type Doc } from './mongo-util.ts'

type BlobDoc = Doc<BlobRecord, 'id'>
type FileDoc = Doc<FileRecord, 'id'>

export const FILE_INDEXES = {
  blobs: [{ key: { sha256: 1 }, name: 'sha256_unique', unique: true }],
  files: [
    { key: { roomId: 1, seq: -1 }, name: 'room' },
    { key: { ownerId: 1 }, name: 'owner' },
    { key: { blobId: 1 }, name: 'blob' },
    { key: { 'thumbnail.blobId': 1 }, name: 'thumbnail_blob', sparse: true },
    { key: { createdAt: 1 }, name: 'pending', partialFilterExpression: { seq: null } },
  ],
} as const

const fromDoc = ({ _id, ...rest }: FileDoc): FileRecord => ({ id: _id, ...rest })

export class MongoFileRepository implements FileRepository {
  readonly #blobs: Collection<BlobDoc>
  readonly #files: Collection<FileDoc>
  readonly #secrets: Collection<{ _id: string; secret: string }>

  constructor(db: Db) {
    this.#blobs = db.collection('blobs')
    this.#files = db.collection('files')
    this.#secrets = db.collection('file_secrets')
  }

  async addBlob({ id, ...rest }: BlobRecord): Promise<{ id: string; existing: boolean }> {
    try {
      await this.#blobs.insertOne({ _id: id, ...rest })
      return { id, existing: false }
    } catch (error) {
      if (!isDuplicateKey(error)) throw error
      const found = await this.#blobs.findOne({ sha256: rest.sha256 })
      if (!found) throw error
      return { id: found._id, existing: true }
    }
  }

  async blob(id: string): Promise<BlobRecord | null> {
    const doc = await this.#blobs.findOne({ _id: id })
    if (!doc) return null
    const { _id, ...rest } = doc
    return { id: _id, ...rest }
  }

  #referenced(id: string): Promise<FileDoc | null> {
    return this.#files.findOne({ $or: [{ blobId: id }, { 'thumbnail.blobId': id }] }, { projection: { _id: 1 } })
  }

  async removeBlobIfUnused(id: string): Promise<boolean> {
    if (await this.#referenced(id)) return false
    const removed = await this.#blobs.findOneAndDelete({ _id: id })
    if (!removed) return false
    // An upload of the same content may have adopted it meanwhile: then it stays.
    if (await this.#referenced(id)) {
      await this.#blobs.insertOne(removed).catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error
      })
      return false
    }
    return true
  }

  async create(file: FileRecord, quotaBytes: number | null): Promise<FileCreated> {
    const { id, ...rest } = file
    await this.#files.insertOne({ _id: id, ...rest })
    if (quotaBytes === null || file.sourceUrl !== null) return { ok: true }
    const used = await this.usage(file.ownerId)
    if (used <= quotaBytes) return { ok: true }
    await this.#files.deleteOne({ _id: id })
    return { ok: false, error: { type: 'quota-exceeded', usedBytes: used - file.size } }
  }

  async attach(id: string, seq: number): Promise<boolean> {
    return (await this.#files.updateOne({ _id: id, seq: null }, { $set: { seq } })).modifiedCount === 1
  }

  async byId(id: string): Promise<FileRecord | null> {
    const doc = await this.#files.findOne({ _id: id })
    return doc ? fromDoc(doc) : null
  }

  async byMessage(roomId: string, seq: number): Promise<FileRecord[]> {
    return (await this.#files.find({ roomId, seq }).sort({ createdAt: 1, _id: 1 }).toArray()).map(fromDoc)
  }

  async listForRoom(roomId: string, before: number | null, limit: number): Promise<FileRecord[]> {
    const seq = before === null ? { $ne: null } : { $ne: null, $lt: before }
    return (await this.#files.find({ roomId, seq }).sort({ seq: -1, _id: 1 }).limit(limit).toArray()).map(fromDoc)
  }

  async usage(ownerId: string): Promise<number> {
    const [sum] = await this.#files
      .aggregate<{ used: number }>([
        { $match: { ownerId, sourceUrl: null } },
        { $group: { _id: null, used: { $sum: '$size' } } },
      ])
      .toArray()
    return sum?.used ?? 0
  }

  async delete(id: string): Promise<FileRecord | null> {
    const doc = await this.#files.findOneAndDelete({ _id: id })
    return doc ? fromDoc(doc) : null
  }

  async orphans(pendingBefore: number, limit: number): Promise<FileRecord[]> {
    const pending = await this.#files
      .find({ seq: null, createdAt: { $lt: pendingBefore } })
      .limit(limit)
      .toArray()
    const gone = await this.#files
      .aggregate<FileDoc>([
        { $match: { seq: { $ne: null } } },
        { $lookup: { from: 'rooms', localField: 'roomId', foreignField: '_id', as: 'room' } },
        // Copies of files of rooms hosted elsewhere have no local room: their replica removes them.
        { $match: { 'room.0': { $exists: true } } },
        {
          $lookup: {
            from: 'messages',
            let: { key: { $concat: ['$roomId', ' ', { $toString: '$seq' }] } },
            pipeline: [{ $match: { $expr: { $eq: ['$_id', '$$key'] } } }, { $project: { deletedAt: 1 } }],
            as: 'message',
          },
        },
        {
          $match: {
            $or: [
              { 'room.deletedAt': { $ne: null } },
              { message: { $size: 0 } },
              { 'message.deletedAt': { $ne: null } },
            ],
          },
        },
        { $project: { room: 0, message: 0 } },
        { $limit: Math.max(0, limit - pending.length) },
      ])
      .toArray()
    return [...pending, ...gone].map(fromDoc)
  }

  async unusedBlobs(before: number, limit: number): Promise<string[]> {
    const docs = await this.#blobs
      .aggregate<{ _id: string }>([
        { $match: { createdAt: { $lt: before } } },
        { $lookup: { from: 'files', localField: '_id', foreignField: 'blobId', as: 'files' } },
        { $lookup: { from: 'files', localField: '_id', foreignField: 'thumbnail.blobId', as: 'thumbnails' } },
        { $match: { files: { $size: 0 }, thumbnails: { $size: 0 } } },
        { $project: { _id: 1 } },
        { $limit: limit },
      ])
      .toArray()
    return docs.map((d) => d._id)
  }

  async capabilitySecret(candidate: string): Promise<string> {
    const doc = await this.#secrets.findOneAndUpdate(
      { _id: 'capability' },
      { $setOnInsert: { secret: candidate } },
      { upsert: true, returnDocument: 'after' },
    )
    return doc?.secret ?? candidate
  }
}
