/** What ParleyFederation's actions give back: expected outcomes as values, and remote actor summaries. */
import type { RemoteFetchErrorCode } from '@parley/protocol'

export type RemoteActorSummary = {
  id: string
  type: string
  handle: string | null
  name: string | null
  avatarUrl: string | null
  url: string | null
  inbox: string | null
}

export type FederationError =
  /** `reason`: why fetching the remote actor was refused, when it was (see fetch-errors.ts). */
  | { type: 'not-found'; what: 'local-user' | 'remote-actor' | 'follow' | 'block'; reason?: RemoteFetchErrorCode }
  | { type: 'invalid-target'; message: string }
  | { type: 'blocked-domain'; domain: string }

export type FederationResult<T> = { ok: true; value: T } | { ok: false; error: FederationError }

export const ok = <T>(value: T): FederationResult<T> => ({ ok: true, value })
export const fail = (error: FederationError): FederationResult<never> => ({ ok: false, error })

/** A remote actor that could not be found, with the fetch refusal that caused it if any. */
export const remoteActorNotFound = (reason: RemoteFetchErrorCode | null): FederationError =>
  reason === null ? { type: 'not-found', what: 'remote-actor' } : { type: 'not-found', what: 'remote-actor', reason }
