/** What ParleyFederation's actions give back: expected outcomes as values, and remote actor summaries. */
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
  | { type: 'not-found'; what: 'local-user' | 'remote-actor' | 'follow' | 'block' }
  | { type: 'invalid-target'; message: string }
  | { type: 'blocked-domain'; domain: string }

export type FederationResult<T> = { ok: true; value: T } | { ok: false; error: FederationError }

export const ok = <T>(value: T): FederationResult<T> => ({ ok: true, value })
export const fail = (error: FederationError): FederationResult<never> => ({ ok: false, error })
