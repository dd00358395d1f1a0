/**
 * Shapes of the Janus WebSocket API (Janus 1.1) as far as Parley uses them. Janus field names stay in
 * this folder (CONVENTIONS: internal names stay ours).
 */
export type Jsep = { type: 'offer' | 'answer'; sdp: string; trickle?: boolean; e2ee?: boolean }

export type JanusMessage = {
  janus: string
  transaction?: string
  session_id?: number
  sender?: number
  data?: { id?: number } & Record<string, unknown>
  plugindata?: { plugin: string; data: Record<string, unknown> }
  jsep?: Jsep
  error?: { code: number; reason: string }
  [key: string]: unknown
}

export type JanusError =
  | { type: 'closed'; message: string }
  | { type: 'timeout'; message: string }
  /** The Janus core refused the request (`{"janus":"error"}`). */
  | { type: 'janus-error'; code: number; message: string }
  /** The plugin refused it: Janus reports these inside a "success" or "event" reply. */
  | { type: 'plugin-error'; code: number; message: string }

export type JanusResult<T> = { ok: true; value: T } | { ok: false; error: JanusError }

export type PluginReply = { data: Record<string, unknown>; jsep: Jsep | undefined }
