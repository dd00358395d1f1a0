/** Why an inbound request was refused: a stable code from the protocol's registry, as an error reply. */
import { ErrorCodes, type ErrorCode } from '@parley/protocol'

export type InboundRefusalCode = Extract<
  ErrorCode,
  | `signature-${string}`
  | 'activity-invalid'
  | 'domain-blocked'
  | 'body-too-large'
  | 'malformed-json'
  | 'method-not-allowed'
  | 'validation-failed'
>

export type InboundRefusal = { code: InboundRefusalCode; message: string }

/** The reply to a refused request: `{ error: { code, message } }` with the code's status. */
export function refusalResponse({ code, message }: InboundRefusal, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status: ErrorCodes[code].status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  })
}
