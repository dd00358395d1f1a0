/**
 * Reads one client frame: UTF-8 text, JSON, a known `type`, then the schema of that type only, so
 * the issues name the fields of the message the client meant ("typing must be true or false"),
 * not every member of the union it did not mean.
 */
import { isUtf8 } from 'node:buffer'
import { wellFormedJson } from '../validation/well-formed.ts'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { CLIENT_MESSAGE_TYPES, ClientMessage, type ErrorCode } from '@parley/protocol'
import { readableIssues, type SchemaError } from '../validation/readable-issues.ts'

type ClientType = (typeof CLIENT_MESSAGE_TYPES)[number]

export type ParsedFrame =
  | { ok: true; message: ClientMessage; id: string | undefined }
  | { ok: false; code: ErrorCode; id: string | undefined; details: Record<string, unknown> }

function typeOf(schema: TSchema): string | undefined {
  const type = (schema as { properties?: { type?: { const?: unknown } } }).properties?.type?.const
  return typeof type === 'string' ? type : undefined
}

/** Each client message type's own schema, compiled once per process (pure data, no registration). */
const checks = new Map<string, ReturnType<typeof Compile<TSchema>>>(
  (ClientMessage.anyOf as TSchema[]).flatMap((schema) => {
    const type = typeOf(schema)
    return type ? [[type, Compile(schema)] as const] : []
  }),
)

export function parseClientFrame(data: Buffer, isBinary: boolean): ParsedFrame {
  if (isBinary)
    return { ok: false, code: 'invalid-message', id: undefined, details: { reason: 'binary frames are not used' } }
  // ws is told not to check UTF-8 itself (it would close the connection with 1007); a clear error
  // frame keeps the session and says what was wrong.
  if (!isUtf8(data)) return { ok: false, code: 'invalid-utf8', id: undefined, details: { in: 'frame' } }
  let parsed: unknown
  try {
    parsed = JSON.parse(data.toString('utf8'))
  } catch {
    return { ok: false, code: 'invalid-message', id: undefined, details: { reason: 'not JSON' } }
  }
  if (!wellFormedJson(parsed)) return { ok: false, code: 'invalid-utf8', id: undefined, details: { in: 'frame' } }
  const id =
    typeof (parsed as { id?: unknown })?.id === 'string' ? (parsed as { id: string }).id.slice(0, 64) : undefined
  const type = (parsed as { type?: unknown })?.type
  if (!CLIENT_MESSAGE_TYPES.includes(type as ClientType))
    return { ok: false, code: 'unknown-message-type', id, details: { type: String(type).slice(0, 64) } }
  const check = checks.get(type as string)
  if (!check) throw new TypeError(`client message type ${String(type)} has no schema in ClientMessage`)
  if (!check.Check(parsed)) {
    const issues = readableIssues(check.Errors(parsed) as SchemaError[], 'frame')
    return {
      ok: false,
      code: 'invalid-message',
      id,
      details: { type, issues: issues.map((i) => i.message), fields: issues.map((i) => i.field) },
    }
  }
  return { ok: true, message: parsed as ClientMessage, id }
}
