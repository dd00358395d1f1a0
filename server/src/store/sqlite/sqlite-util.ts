import type { SQLOutputValue } from 'node:sqlite'

export type Row = Record<string, SQLOutputValue>

/** node:sqlite reports constraint failures as errors whose message names the column. */
export function isUniqueViolation(error: unknown, column: string): boolean {
  const message = error instanceof Error ? error.message : ''
  return message.includes('UNIQUE constraint failed') && message.includes(column)
}

export function nullableNumber(value: SQLOutputValue | undefined): number | null {
  return value === null || value === undefined ? null : Number(value)
}
