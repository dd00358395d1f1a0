import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite'

export type Row = Record<string, SQLOutputValue>

/** node:sqlite reports constraint failures as errors whose message names the column. */
export function isUniqueViolation(error: unknown, column: string): boolean {
  const message = error instanceof Error ? error.message : ''
  return message.includes('UNIQUE constraint failed') && message.includes(column)
}

export function nullableNumber(value: SQLOutputValue | undefined): number | null {
  return value === null || value === undefined ? null : Number(value)
}

const statements = new WeakMap<DatabaseSync, Map<string, StatementSync>>()

/**
 * A prepared statement, compiled once per connection and SQL text: compiling is a large part of
 * a small query's cost. Statements with variable IN-lists make many texts, so the cache is bounded.
 */
export function cached(db: DatabaseSync, sql: string): StatementSync {
  let cache = statements.get(db)
  if (!cache) statements.set(db, (cache = new Map()))
  let statement = cache.get(sql)
  if (!statement) {
    if (cache.size >= 500) cache.clear()
    statement = db.prepare(sql)
    cache.set(sql, statement)
  }
  return statement
}

/** Runs `fn` in one write transaction (BEGIN IMMEDIATE: the write lock is taken up front). */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  cached(db, 'BEGIN IMMEDIATE').run()
  try {
    const result = fn()
    cached(db, 'COMMIT').run()
    return result
  } catch (error) {
    if (db.isTransaction) cached(db, 'ROLLBACK').run()
    throw error
  }
}
