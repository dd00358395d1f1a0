/**
 * Fedify logs through LogTape; this sends those records into Parley's logger (pino), so one stream
 * carries both. LogTape's configuration is process-wide: call this once, from the entry point that
 * serves (never from code that builds an instance — tests run several in one process).
 */
import { configure, type LogLevel, type LogRecord } from '@logtape/logtape'
import type { FederationLogger } from './log.ts'

export type FederationLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'

const toLogTape: Record<Exclude<FederationLogLevel, 'silent'>, LogLevel> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warning',
  error: 'error',
  fatal: 'fatal',
}

/** LogTape's message parts alternate text and values: `["Actor ", "bob", " not found."]`. */
export function renderMessage(parts: readonly unknown[]): string {
  return parts
    .map((part, i) =>
      i % 2 === 0
        ? String(part)
        : typeof part === 'string'
          ? part
          : part instanceof Error
            ? part.message
            : JSON.stringify(part),
    )
    .join('')
}

export async function routeFedifyLogs(logger: FederationLogger, level: FederationLogLevel): Promise<void> {
  const sink = (record: LogRecord) => {
    // Only the error travels whole; other properties can hold whole activities — too much for info.
    const fields = {
      category: record.category.join('.'),
      ...(record.properties.error ? { err: record.properties.error } : {}),
    }
    const message = renderMessage(record.message)
    switch (record.level) {
      case 'trace':
      case 'debug':
        return logger.debug(fields, message)
      case 'info':
        return logger.info(fields, message)
      case 'warning':
        return logger.warn(fields, message)
      case 'error':
      case 'fatal':
        return logger.error(fields, message)
    }
  }
  await configure({
    reset: true,
    sinks: { parley: sink },
    loggers: [
      {
        category: 'fedify',
        sinks: level === 'silent' ? [] : ['parley'],
        lowestLevel: level === 'silent' ? 'fatal' : toLogTape[level],
      },
      // One line per request already comes from Fastify; Fedify's own access log only when it matters.
      {
        category: ['fedify', 'federation', 'http'],
        sinks: level === 'silent' ? [] : ['parley'],
        parentSinks: 'override',
        lowestLevel: 'warning',
      },
      { category: ['logtape', 'meta'], sinks: [], lowestLevel: 'fatal' },
    ],
  })
}
