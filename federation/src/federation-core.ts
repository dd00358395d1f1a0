/**
 * The part of an instance's federation that needs nothing of the server's rooms and chat: the one
 * Fedify `Federation` (kv, queue, our guarded loaders), the actors' key pairs, domain policy, the
 * guarded fetcher, and what local users ask of other rooms' hosts at once (room-host-link.ts).
 *
 * Why it stands apart: the server's chat service forwards writes in rooms hosted elsewhere through
 * it and makes new rooms' key pairs with it, while the inbound side (ParleyFederation: actor
 * dispatcher, inbox listeners, history, forwarded writes of remote members) decides through that
 * chat service. So the composition root builds this first, then the chat stack on it, then
 * ParleyFederation on both — each once, in order, nothing bound later. Nothing here runs until
 * called: the queue starts with ParleyFederation.start().
 */
import { createFederation, getUserAgent, type Federation, type KvStore, type MessageQueue } from '@fedify/fedify'
import type { FederationRepositories, LocalActorDirectory } from './ports.ts'
import { ActorKeys } from './keys.ts'
import { silentLogger, type FederationLogger } from './log.ts'
import { DomainPolicy } from './domain-policy.ts'
import { deliveryRetryPolicy, inboxRetryPolicy } from './retry.ts'
import { documentLoaderFactories } from './document-loader.ts'
import { DEFAULT_FETCH_MAX_BYTES, DEFAULT_FETCH_TIMEOUT_MS, RemoteFetcher } from './remote-fetcher.ts'
import { DeliveryAddressGuard } from './delivery-guard.ts'
import { INSTANCE_KEY_OWNER } from './instance-actor.ts'
import { RoomHostLink } from './rooms/room-host-link.ts'
import { ProfileUpdates } from './profile-updates.ts'
import type { FederationResult } from './federation-result.ts'
import { readCompactActivity } from './inbound/compact-reader.ts'

export type FederationCoreDeps = {
  /** The instance's public origin, e.g. https://talk.example.org. */
  origin: string
  /**
   * Whether queued activities are read by the compact reader (inbound/compact-reader.ts) when not
   * handed over in memory. Default true; off with the inbox hand-over, so the security suite runs
   * the full parse too.
   */
  compactReader?: boolean
  kv: KvStore
  /** The one queue of Fedify's deliveries and inbox work (users, rooms and the instance actor alike). */
  queue: MessageQueue
  /** Our own tasks that local actions hand off (profile updates); without it they run at once. */
  taskQueue?: MessageQueue
  /** Local users (the host link signs as them). */
  directory: LocalActorDirectory
  /** Where key pairs and domain blocks are kept (only those parts are read here). */
  repositories: Pick<FederationRepositories, 'keys' | 'instanceKeys' | 'followers'> & {
    rooms: Pick<FederationRepositories['rooms'], 'keys'>
  }
  /** Inbound signatures older or newer than this are refused. */
  signatureWindowSeconds: number
  /** How long a host's open delivery circuit stays open before a new attempt (Fedify default: 30 min). */
  circuitRecoverySeconds?: number
  /** Domains refused both ways (see DomainPolicy). */
  blockedDomains?: readonly string[]
  /** When not empty, the only domains this instance federates with (see DomainPolicy). */
  allowedDomains?: readonly string[]
  /** Test networks only: lets federation fetch from and deliver to loopback and private addresses, over http too. */
  allowPrivateAddress?: boolean
  /** Remote documents longer than this are refused (default 1 MiB). */
  fetchMaxBytes?: number
  /** Remote document fetches are aborted after this (default 10 s). */
  fetchTimeoutMs?: number
  software: { name: string; version: string }
  log?: FederationLogger
  now?: () => number
}

export class FederationCore {
  readonly origin: string
  /** The one Fedify federation; ParleyFederation installs its dispatchers and listeners. */
  readonly fedify: Federation<void>
  readonly deps: FederationCoreDeps
  /** Key pairs of users (by user id), rooms (by room id) and the instance actor. */
  readonly keys: { users: ActorKeys; rooms: ActorKeys; instance: ActorKeys }
  readonly policy: DomainPolicy
  readonly fetcher: RemoteFetcher
  /** Our guarded document loader (unsigned, cached in the kv store) and context loader. */
  readonly loaders: ReturnType<typeof documentLoaderFactories>
  readonly publicLoader: ReturnType<ReturnType<typeof documentLoaderFactories>['documentLoaderFactory']>
  readonly contextLoader: ReturnType<ReturnType<typeof documentLoaderFactories>['contextLoaderFactory']>
  readonly log: FederationLogger
  readonly now: () => number
  /** Forwarded writes and rosters of rooms hosted elsewhere (member side). */
  readonly hosts: RoomHostLink
  /** Profile changes told to followers (queued; ParleyFederation.start() runs its worker). */
  readonly profileUpdates: ProfileUpdates
  #closed = false

  constructor(deps: FederationCoreDeps) {
    this.origin = new URL(deps.origin).origin
    this.deps = deps
    const log = (this.log = deps.log ?? silentLogger)
    const now = (this.now = deps.now ?? Date.now)
    this.keys = {
      users: new ActorKeys(deps.repositories.keys, now),
      rooms: new ActorKeys(deps.repositories.rooms.keys, now),
      instance: new ActorKeys(deps.repositories.instanceKeys, now),
    }
    this.policy = new DomainPolicy(deps.blockedDomains ?? [], deps.allowedDomains ?? [])
    const fetcher = (this.fetcher = new RemoteFetcher({
      allowPrivateAddress: deps.allowPrivateAddress ?? false,
      maxBytes: deps.fetchMaxBytes ?? DEFAULT_FETCH_MAX_BYTES,
      timeoutMs: deps.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
      userAgent: getUserAgent({
        software: `${deps.software.name}/${deps.software.version}`,
        url: new URL(this.origin),
      }),
    }))
    // The one document loader (and context loader): our guarded fetcher, cached in the kv store.
    const loaders = (this.loaders = documentLoaderFactories(
      fetcher,
      deps.kv,
      ['_fedify', 'remoteDocument'],
      (error, failed) => log.warn({ err: error, component: 'document-cache' }, failed),
    ))
    this.publicLoader = loaders.documentLoaderFactory({})
    this.contextLoader = loaders.contextLoaderFactory({})
    this.fedify = createFederation<void>({
      kv: deps.kv,
      // The inbox address is checked as a delivery leaves the queue (a clear early refusal), and
      // again at connect time: deliveries are posted on the fetcher's guarded agent.
      queue: new DeliveryAddressGuard(deps.queue, (url) => fetcher.checkUrl(url), log),
      deliveryFetch: fetcher.post,
      // Queued activities this thread's inbox did not hand over (another thread or node took them,
      // or a retry) are read by the gate's strict compact reader, anything unusual parsed in full.
      ...(deps.compactReader === false ? {} : { readQueuedActivity: readCompactActivity }),
      origin: this.origin,
      manuallyStartQueue: true,
      // Our loaders refuse private addresses (unless on a test network), limit size and time, send our User-Agent.
      ...loaders,
      signatureTimeWindow: { seconds: deps.signatureWindowSeconds },
      outboxRetryPolicy: deliveryRetryPolicy(),
      inboxRetryPolicy: inboxRetryPolicy(),
      ...(deps.circuitRecoverySeconds === undefined
        ? {}
        : { circuitBreaker: { recoveryDelay: { seconds: deps.circuitRecoverySeconds } } }),
      onOutboxError: (error, activity) => log.warn({ err: error, activity: activity?.id?.href }, 'delivery failed'),
    })
    this.hosts = new RoomHostLink({
      context: () => this.context(),
      users: deps.directory,
      policy: this.policy,
      fetcher,
      log,
      now,
    })
    this.profileUpdates = new ProfileUpdates({
      context: () => this.context(),
      directory: deps.directory,
      followers: deps.repositories.followers,
      ...(deps.taskQueue ? { queue: deps.taskQueue } : {}),
      log,
    })
  }

  /** A context for what the instance does on its own (not in answer to a request). */
  context() {
    return this.fedify.createContext(new URL(this.origin), undefined)
  }

  /** Makes the user's key pairs now if missing (call when an account is created). */
  async prepareActor(userId: string): Promise<void> {
    await this.keys.users.ensure(userId)
  }

  /** Makes key pairs for every given user lacking them; returns how many got keys. */
  prepareActors(userIds: readonly string[]): Promise<number> {
    return this.keys.users.prepare(userIds)
  }

  /** Makes the instance actor's key pairs now if missing (the instance signs call channels with them). */
  async prepareInstanceActor(): Promise<void> {
    await this.keys.instance.ensure(INSTANCE_KEY_OWNER)
  }

  /**
   * Tells the user's followers that the profile changed (an `Update` of the Person, to the shared
   * inboxes where there are some): Mastodon refreshes the name it shows. Queued (see
   * profile-updates.ts); never fails the local change because a follower's server is down.
   */
  profileChanged(username: string): Promise<FederationResult<{ recipients: number }>> {
    return this.profileUpdates.request(username)
  }

  /** Makes the room's key pairs now if missing (call when a room is created). */
  async prepareRoom(roomId: string): Promise<void> {
    await this.keys.rooms.ensure(roomId)
  }

  /** Closes the fetcher's connections. Idempotent; the queue is ParleyFederation's to stop first. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.fetcher.close().catch((error: unknown) => this.log.debug({ err: error }, 'fetch agent close failed'))
  }
}
