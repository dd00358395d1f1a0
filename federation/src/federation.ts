/**
 * One instance's federation: Fedify configured for Parley, plus what Fedify leaves to us (host-meta,
 * a replay guard, domain policy) and the actions local users take on the Fediverse (look up,
 * follow, unfollow, block, direct messages, profile updates).
 * Built per instance — several live in one process in tests — and never listens itself: the server
 * hands it requests through `handle()` and falls through when it answers null.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { RemoteFetchErrorCode } from '@parley/protocol'
import { Temporal } from '@js-temporal/polyfill'
import { createFederation, getUserAgent, type Federation, type KvStore, type MessageQueue } from '@fedify/fedify'
import { Follow, Undo, isActor } from '@fedify/fedify/vocab'
import type { DirectConversationPort, FederationRepositories, FollowingRecord, LocalActorDirectory, LocalRoomDirectory, RemoteAccount, RoomChatPort, RoomMembershipPort } from './ports.ts'
import { RoomMemberActions } from './rooms/room-member-actions.ts'
import { RoomFederation } from './rooms/room-federation.ts'
import { ActorKeys } from './keys.ts'
import { installDispatchers } from './dispatchers.ts'
import { ProfileUpdates } from './profile-updates.ts'
import { HOST_META_PATH, hostMetaResponse } from './host-meta.ts'
import { silentLogger, type FederationLogger } from './log.ts'
import { DomainPolicy } from './domain-policy.ts'
import { deliveryRetryPolicy, inboxRetryPolicy } from './retry.ts'
import { blockActor, unblockActor } from './blocks.ts'
import { DirectNotes } from './direct/direct-notes.ts'
import { remoteAccount } from './direct/remote-account.ts'
import { MAX_ACTIVITY_DEPTH, jsonDepth } from './json-depth.ts'
import { documentLoaderFactories } from './document-loader.ts'
import { DEFAULT_FETCH_MAX_BYTES, DEFAULT_FETCH_TIMEOUT_MS, RemoteFetcher } from './remote-fetcher.ts'
import { lookupRemoteObject } from './remote-lookup.ts'
import { remoteFetchErrorCode } from './fetch-errors.ts'
import { DeliveryAddressGuard } from './delivery-guard.ts'
import { fail, ok, remoteActorNotFound, type FederationError, type FederationResult, type RemoteActorSummary } from './federation-result.ts'

export type { FederationError, FederationResult, RemoteActorSummary }

export type ParleyFederationDeps = {
  /** The instance's public origin, e.g. https://talk.example.org. */
  origin: string
  kv: KvStore
  queue: MessageQueue
  /** The queue of the rooms' federation (see rooms/room-federation.ts). */
  roomQueue: MessageQueue
  /** Our own tasks that local actions hand off (profile updates); without it they run at once. */
  taskQueue?: MessageQueue
  directory: LocalActorDirectory
  /** Local rooms as `Group` actors at /rooms/{id}. */
  rooms: LocalRoomDirectory
  /** Adds and removes remote members of local rooms (the rooms layer's participants). */
  roomMembership: RoomMembershipPort
  /** Remote members' chat actions in local rooms (the chat service decides). */
  roomChat: RoomChatPort
  repositories: FederationRepositories
  /** Direct messages from remote accounts become one-to-one conversations (the server's chat). */
  direct: DirectConversationPort
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
  nodeInfo: () => Promise<{ users: number; openRegistrations: boolean }>
  log?: FederationLogger
  now?: () => number
}

/** Paths Fedify (or we, in front of it) may answer; anything else goes straight to the web app. */
const FEDERATION_PATH = /^\/(users\/|rooms\/|inbox$|nodeinfo\/|\.well-known\/(webfinger|nodeinfo|host-meta))/
const ROOM_PATH = /^\/rooms\//
const WEBFINGER_PATH = '/.well-known/webfinger'

/** Our marker for Fedify's "not mine": the request falls through to the web app. */
const NOT_HANDLED = 'x-parley-not-handled'

export class ParleyFederation {
  readonly origin: string
  readonly #federation: Federation<void>
  readonly #deps: ParleyFederationDeps
  readonly #keys: ActorKeys
  readonly #log: FederationLogger
  readonly #now: () => number
  readonly #replayTtlMs: number
  readonly #policy: DomainPolicy
  readonly #fetcher: RemoteFetcher
  /** Rooms as `Group` actors. */
  readonly rooms: RoomFederation
  /** What local users do about rooms across instances (invite, answer, leave, act in remote rooms). */
  readonly roomMembers: RoomMemberActions
  readonly #profileUpdates: ProfileUpdates
  /** Direct messages, their edits, deletes and reactions, out to remote accounts (see direct/). */
  readonly direct: DirectNotes
  #queue: AbortController | null = null
  #closed = false

  constructor(deps: ParleyFederationDeps) {
    this.origin = new URL(deps.origin).origin
    this.#deps = deps
    this.#log = deps.log ?? silentLogger
    this.#now = deps.now ?? Date.now
    this.#keys = new ActorKeys(deps.repositories.keys, this.#now)
    this.#replayTtlMs = deps.signatureWindowSeconds * 2 * 1000
    this.#policy = new DomainPolicy(deps.blockedDomains ?? [], deps.allowedDomains ?? [])
    const fetcher = new RemoteFetcher({
      allowPrivateAddress: deps.allowPrivateAddress ?? false,
      maxBytes: deps.fetchMaxBytes ?? DEFAULT_FETCH_MAX_BYTES,
      timeoutMs: deps.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
      userAgent: getUserAgent({ software: `${deps.software.name}/${deps.software.version}`, url: new URL(this.origin) }),
    })
    this.#fetcher = fetcher
    const loaders = documentLoaderFactories(fetcher, deps.kv, ['_fedify', 'remoteDocument'])
    this.#federation = createFederation<void>({
      kv: deps.kv,
      // Fedify sends deliveries with the global fetch: the inbox address is checked as they leave the queue.
      queue: new DeliveryAddressGuard(deps.queue, (url) => fetcher.checkUrl(url), this.#log),
      origin: this.origin,
      manuallyStartQueue: true,
      // Our loaders refuse private addresses (unless on a test network), limit size and time, send our User-Agent.
      ...loaders,
      signatureTimeWindow: { seconds: deps.signatureWindowSeconds },
      outboxRetryPolicy: deliveryRetryPolicy(),
      inboxRetryPolicy: inboxRetryPolicy(),
      ...(deps.circuitRecoverySeconds === undefined ? {} : { circuitBreaker: { recoveryDelay: { seconds: deps.circuitRecoverySeconds } } }),
      onOutboxError: (error, activity) => this.#log.warn({ err: error, activity: activity?.id?.href }, 'delivery failed'),
    })
    installDispatchers(this.#federation, {
      publicLoader: loaders.documentLoaderFactory({}),
      directory: deps.directory,
      repositories: deps.repositories,
      keys: this.#keys,
      log: this.#log,
      now: this.#now,
      policy: this.#policy,
      direct: deps.direct,
      software: deps.software,
      nodeInfo: deps.nodeInfo,
    })
    this.rooms = new RoomFederation({
      origin: this.origin,
      kv: deps.kv,
      queue: new DeliveryAddressGuard(deps.roomQueue, (url) => fetcher.checkUrl(url), this.#log),
      rooms: deps.rooms,
      membership: deps.roomMembership,
      chat: deps.roomChat,
      repositories: deps.repositories.rooms,
      policy: this.#policy,
      signatureWindowSeconds: deps.signatureWindowSeconds,
      ...(deps.circuitRecoverySeconds === undefined ? {} : { circuitRecoverySeconds: deps.circuitRecoverySeconds }),
      fetcher,
      log: this.#log,
      now: this.#now,
    })
    this.#profileUpdates = new ProfileUpdates({
      context: () => this.#context(),
      directory: deps.directory,
      followers: deps.repositories.followers,
      ...(deps.taskQueue ? { queue: deps.taskQueue } : {}),
      log: this.#log,
    })
    this.direct = new DirectNotes({ context: () => this.#context(), now: this.#now, blocked: (actorId) => this.#policy.blocks(actorId) })
    this.roomMembers = new RoomMemberActions({
      context: () => this.#context(),
      users: deps.directory,
      rooms: this.rooms,
      directory: deps.rooms,
      repositories: deps.repositories,
      policy: this.#policy,
      log: this.#log,
      now: this.#now,
      blockedTarget: (target) => this.#blockedTarget(target),
      lookup: (ctx, target) => lookupRemoteObject(ctx, target, fetcher),
    })
  }

  /** Whether `handle()` may answer a request for this path (cheap pre-check for the web app). */
  static claims(pathname: string): boolean {
    return FEDERATION_PATH.test(pathname)
  }

  /**
   * Answers a federation request, or null when it is not one (unknown path or actor, or a browser
   * asking for HTML): the caller then serves it itself. Bodies are read only for inbox POSTs (and
   * handed to Fedify byte for byte); any other request's body is left untouched for the caller.
   */
  async handle(request: Request): Promise<Response | null> {
    const url = new URL(request.url)
    if (!ParleyFederation.claims(url.pathname)) return null
    if (url.pathname === HOST_META_PATH || url.pathname === `${HOST_META_PATH}.json`) return hostMetaResponse(request, this.origin)
    const signer = DomainPolicy.signerOf(request)
    if (signer !== null && this.#policy.blocks(signer)) {
      this.#log.info({ path: url.pathname, signer }, 'request from a blocked domain refused')
      return new Response('This domain is blocked here.', { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } })
    }
    const replayKey = request.method === 'POST' ? this.#replayKey(request) : null
    if (replayKey && (await this.#deps.kv.get(replayKey)) !== undefined) {
      this.#log.warn({ path: url.pathname }, 'replayed signed request refused')
      return new Response('This signed request was already received.', { status: 401, headers: { 'content-type': 'text/plain; charset=utf-8' } })
    }
    if (request.method === 'POST' && this.#isInbox(url.pathname)) {
      // Read here (Fedify gets the very same bytes) to refuse absurd nesting before Fedify's
      // recursive JSON-LD processing sees it.
      const body = await request.text()
      if (jsonDepth(body) > MAX_ACTIVITY_DEPTH) {
        return new Response(`JSON nested deeper than ${MAX_ACTIVITY_DEPTH} levels.`, { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' } })
      }
      request = new Request(request.url, { method: 'POST', headers: request.headers, body })
    }
    const notHandled = () => new Response(null, { status: 404, headers: { [NOT_HANDLED]: '1' } })
    let response: Response
    if (ROOM_PATH.test(url.pathname)) response = await this.rooms.fetch(request, notHandled)
    else {
      response = await this.#federation.fetch(request, { contextData: undefined, onNotFound: notHandled, onNotAcceptable: notHandled })
      // A handle no user has may be a public room's.
      if (response.headers.has(NOT_HANDLED) && url.pathname === WEBFINGER_PATH && request.method === 'GET') response = await this.rooms.fetch(request, notHandled)
    }
    if (response.headers.has(NOT_HANDLED)) return null
    if (replayKey && response.ok) await this.#deps.kv.set(replayKey, this.#now(), { ttl: Temporal.Duration.from({ milliseconds: this.#replayTtlMs }) })
    return response
  }

  #isInbox(pathname: string): boolean {
    return pathname === '/inbox' || /^\/(users|rooms)\/[^/]+\/inbox$/.test(pathname)
  }

  /** Starts delivering and processing queued activities; `close()` stops. */
  start(): void {
    if (this.#closed) throw new DOMException('the federation is closed', 'InvalidStateError')
    if (this.#queue) return
    this.#queue = new AbortController()
    // Run-time domain blocks: loaded now, and again every minute (other nodes may change them).
    const refresh = () => this.refreshDomainPolicy().catch((error: unknown) => this.#log.warn({ err: error }, 'domain blocks could not be loaded'))
    void refresh()
    const timer = setInterval(refresh, 60_000)
    timer.unref()
    this.#queue.signal.addEventListener('abort', () => clearInterval(timer), { once: true })
    this.#federation.startQueue(undefined, { signal: this.#queue.signal }).catch((error: unknown) => {
      this.#log.error({ err: error }, 'federation queue stopped')
    })
    this.rooms.start(this.#queue.signal).catch((error: unknown) => {
      this.#log.error({ err: error }, 'room federation queue stopped')
    })
    this.#profileUpdates.listen(this.#queue.signal).catch((error: unknown) => {
      this.#log.error({ err: error }, 'profile update queue stopped')
    })
  }

  /** Stops the queue workers. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#queue?.abort()
    this.#queue = null
    this.#fetcher.close().catch((error: unknown) => this.#log.debug({ err: error }, 'fetch agent close failed'))
  }

  /** Reloads the run-time domain blocks from the store. */
  async refreshDomainPolicy(): Promise<void> {
    this.#policy.setRuntimeBlocks((await this.#deps.repositories.domainBlocks.list()).map((b) => b.domain))
  }

  /** An admin blocks a domain (`example.com` or `host:port`) at run time; true when new. */
  async blockDomain(domain: string, createdBy: string): Promise<boolean> {
    const added = await this.#deps.repositories.domainBlocks.add({ domain: domain.trim().toLowerCase(), createdBy, createdAt: this.#now() })
    await this.refreshDomainPolicy()
    return added
  }

  /** Lifts a run-time domain block; false when there was none (configured blocks stay). */
  async unblockDomain(domain: string): Promise<boolean> {
    const removed = await this.#deps.repositories.domainBlocks.remove(domain.trim().toLowerCase())
    await this.refreshDomainPolicy()
    return removed
  }

  /** Makes the user's key pairs now if missing (call when an account is created). */
  async prepareActor(userId: string): Promise<void> {
    await this.#keys.ensure(userId)
  }

  /** Makes key pairs for every given user lacking them; returns how many got keys. */
  async prepareActors(userIds: readonly string[]): Promise<number> {
    return this.#keys.prepare(userIds)
  }

  /** Looks up a remote account by handle (`@name@host` or `name@host`) or actor URL. */
  async lookup(target: string): Promise<FederationResult<RemoteActorSummary>> {
    const blocked = this.#blockedTarget(target)
    if (blocked) return fail(blocked)
    const ctx = this.#context()
    let object
    let reason: RemoteFetchErrorCode | null = null
    try {
      object = await lookupRemoteObject(ctx, target.trim(), this.#fetcher)
    } catch (error) {
      this.#log.debug({ target, err: error }, 'lookup failed')
      reason = remoteFetchErrorCode(error)
      object = null
    }
    if (!isActor(object) || object.id === null) return fail(remoteActorNotFound(reason))
    if (this.#policy.blocks(object.id)) return fail({ type: 'blocked-domain', domain: object.id.host })
    let avatarUrl: string | null = null
    try {
      const icon = await object.getIcon(ctx)
      const url = icon?.url
      avatarUrl = url instanceof URL ? url.href : (url?.href?.href ?? null)
    } catch {
      avatarUrl = null
    }
    const username = object.preferredUsername?.toString() ?? null
    return ok({
      id: object.id.href,
      type: object.constructor.name,
      handle: username ? `@${username}@${object.id.host}` : null,
      name: object.name?.toString() ?? null,
      avatarUrl,
      url: object.url instanceof URL ? object.url.href : (object.url?.href?.href ?? null),
      inbox: object.inboxId?.href ?? null,
    })
  }

  /** Sends a Follow from a local user to a remote actor; the follow stays pending until accepted. */
  async follow(username: string, target: string): Promise<FederationResult<FollowingRecord>> {
    const user = await this.#deps.directory.byUsername(username)
    if (!user || user.deletedAt !== null) return fail({ type: 'not-found', what: 'local-user' })
    const blocked = this.#blockedTarget(target)
    if (blocked) return fail(blocked)
    const ctx = this.#context()
    let remote
    let reason: RemoteFetchErrorCode | null = null
    try {
      remote = await lookupRemoteObject(ctx, target.trim(), this.#fetcher)
    } catch (error) {
      reason = remoteFetchErrorCode(error)
      remote = null
    }
    if (!isActor(remote) || remote.id === null || remote.inboxId === null) return fail(remoteActorNotFound(reason))
    if (remote.id.origin === this.origin) return fail({ type: 'invalid-target', message: 'local users are not followed over ActivityPub' })
    if (this.#policy.blocks(remote.id) || this.#policy.blocks(remote.inboxId)) return fail({ type: 'blocked-domain', domain: remote.id.host })
    const actorUri = ctx.getActorUri(username)
    const record: FollowingRecord = {
      userId: user.userId,
      actorId: remote.id.href,
      followId: `${actorUri.href}/follows/${randomUUID()}`,
      state: 'pending',
      inbox: remote.inboxId.href,
      sharedInbox: remote.endpoints?.sharedInbox?.href ?? null,
      createdAt: this.#now(),
    }
    await this.#deps.repositories.following.put(record)
    const follow = new Follow({ id: new URL(record.followId), actor: actorUri, object: remote.id, to: remote.id })
    await ctx.sendActivity({ identifier: username }, remote, follow)
    this.#log.info({ user: username, target: remote.id.href }, 'follow sent')
    return ok(record)
  }

  /**
   * Tells the user's followers that the profile changed (an `Update` of the Person, to the shared
   * inboxes where there are some): Mastodon refreshes the name it shows. Queued (see
   * profile-updates.ts); never fails the local change because a follower's server is down.
   */
  async profileChanged(username: string): Promise<FederationResult<{ recipients: number }>> {
    return this.#profileUpdates.request(username)
  }

  /**
   * A remote account (handle or actor URL) as a direct conversation keeps it: name, avatar, inbox.
   * Refused for blocked domains, local actors and actors without an inbox.
   */
  async resolveAccount(target: string): Promise<FederationResult<RemoteAccount>> {
    const blocked = this.#blockedTarget(target)
    if (blocked) return fail(blocked)
    const remote = await this.#remoteActor(target)
    if (!remote || remote.inboxId === null) return fail({ type: 'not-found', what: 'remote-actor' })
    if (remote.id.origin === this.origin) return fail({ type: 'invalid-target', message: 'local users are not reached over ActivityPub' })
    if (this.#policy.blocks(remote.id) || this.#policy.blocks(remote.inboxId)) return fail({ type: 'blocked-domain', domain: remote.id.host })
    const account = await remoteAccount(this.#context(), remote)
    return account ? ok(account) : fail({ type: 'not-found', what: 'remote-actor' })
  }

  /**
   * Sends a direct message from a local user to one remote account, as Mastodon sends one: a
   * `Create` of a `Note` addressed only to that account, with a `Mention` and an h-card link at
   * the start of the content. `text` is plain text (escaped here); `inReplyTo` threads a reply.
   * (Chat in one-to-one rooms sends through `direct` with the stored account instead.)
   */
  async sendDirectMessage(username: string, to: string, text: string, inReplyTo?: string): Promise<FederationResult<{ activityId: string; noteId: string }>> {
    const user = await this.#deps.directory.byUsername(username)
    if (!user || user.deletedAt !== null) return fail({ type: 'not-found', what: 'local-user' })
    const account = await this.resolveAccount(to)
    if (!account.ok) return account
    const sent = await this.direct.send(username, account.value, text, inReplyTo ?? null)
    return sent ? ok(sent) : fail({ type: 'blocked-domain', domain: new URL(account.value.id).host })
  }

  /** A local user blocks a remote account (handle or URL); see blocks.ts. */
  async block(username: string, target: string): Promise<FederationResult<{ actorId: string }>> {
    const user = await this.#deps.directory.byUsername(username)
    if (!user || user.deletedAt !== null) return fail({ type: 'not-found', what: 'local-user' })
    const ctx = this.#context()
    const remote = await this.#remoteActor(target)
    if (!remote) return fail({ type: 'not-found', what: 'remote-actor' })
    if (remote.id.origin === this.origin) return fail({ type: 'invalid-target', message: 'local users are not blocked over ActivityPub' })
    await blockActor({ repositories: this.#deps.repositories, now: this.#now }, ctx, user, remote)
    this.#log.info({ user: username, blocked: remote.id.href }, 'remote account blocked')
    return ok({ actorId: remote.id.href })
  }

  /** Lifts a local user's block of a remote account (by actor id). */
  async unblock(username: string, actorId: string): Promise<FederationResult<void>> {
    const user = await this.#deps.directory.byUsername(username)
    if (!user) return fail({ type: 'not-found', what: 'local-user' })
    const id = new URL(actorId)
    if (!(await this.#deps.repositories.blocks.has(user.userId, id.href))) return fail({ type: 'not-found', what: 'block' })
    const remote = await this.#remoteActor(id.href)
    await unblockActor({ repositories: this.#deps.repositories, now: this.#now }, this.#context(), user, { id, inboxId: remote?.inboxId ?? null })
    return ok(undefined)
  }

  async #remoteActor(target: string) {
    try {
      const object = await lookupRemoteObject(this.#context(), target.trim(), this.#fetcher)
      return isActor(object) && object.id !== null ? (object as typeof object & { id: URL }) : null
    } catch {
      return null
    }
  }

  /** Undoes a local user's follow of a remote actor (pending or accepted). */
  async unfollow(username: string, actorId: string): Promise<FederationResult<void>> {
    const user = await this.#deps.directory.byUsername(username)
    if (!user) return fail({ type: 'not-found', what: 'local-user' })
    const record = await this.#deps.repositories.following.get(user.userId, new URL(actorId).href)
    if (!record) return fail({ type: 'not-found', what: 'follow' })
    const ctx = this.#context()
    const actorUri = ctx.getActorUri(username)
    const undo = new Undo({
      id: new URL(`${record.followId}/undo`),
      actor: actorUri,
      object: new Follow({ id: new URL(record.followId), actor: actorUri, object: new URL(record.actorId) }),
      to: new URL(record.actorId),
    })
    await this.#deps.repositories.following.remove(user.userId, record.actorId)
    const recipient = {
      id: new URL(record.actorId),
      inboxId: new URL(record.inbox),
      endpoints: record.sharedInbox ? { sharedInbox: new URL(record.sharedInbox) } : null,
    }
    await ctx.sendActivity({ identifier: username }, recipient, undo)
    return ok(undefined)
  }

  /** A handle's or URL's domain, when blocked. */
  #blockedTarget(target: string): FederationError | null {
    const trimmed = target.trim()
    const host = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : trimmed.replace(/^@/, '').split('@')[1]
    if (host === undefined || !this.#policy.blocks(host)) return null
    return { type: 'blocked-domain', domain: host.replace(/^https?:\/\//, '').split('/')[0] ?? host }
  }

  #context() {
    return this.#federation.createContext(new URL(this.origin), undefined)
  }

  /** A signed POST is identified by its signature: the same bytes twice are a replay. */
  #replayKey(request: Request): [string, string, string] | null {
    const signature = request.headers.get('signature') ?? request.headers.get('signature-input')
    if (!signature) return null
    const digest = request.headers.get('digest') ?? request.headers.get('content-digest') ?? ''
    const hash = createHash('sha256').update(signature).update('\0').update(digest).digest('base64url')
    return ['parley', 'replay', hash]
  }
}
