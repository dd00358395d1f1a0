import { MongoServerError } from 'mongodb'

export type Doc<T, K extends keyof T> = Omit<T, K> & { _id: T[K] }

export function isDuplicateKey(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === 11000
}

export function duplicateField(error: MongoServerError): string {
  const pattern = (error as { keyPattern?: Record<string, unknown> }).keyPattern
  const field = pattern ? Object.keys(pattern)[0] : undefined
  return field === undefined || field === '_id' ? 'id' : field
}

/** A patch without its undefined fields (null stays: it clears). */
export function definedOnly(patch: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined))
}

/** Documents whose `_id` is derived from their fields: drop it on the way out. */
export function withoutId<T extends { _id: unknown }>(doc: T | null): Omit<T, '_id'> | null {
  if (!doc) return null
  const { _id, ...rest } = doc
  return rest
}
