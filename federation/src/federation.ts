/**
 * One instance's federation: one Fedify `Federation` for every local actor — users (`Person` at
 * /users/{name}), rooms (`Group` at /rooms/{id}) and the instance itself (`Application` at /actor) —
 * with one actor dispatcher and one set of inbox listeners that branch on the kind of actor, one
 * queue and one document loader (our guarded fetcher). Around it, what Fedify leaves to us: the
 * request front door (request-handler.ts), domain policy, and what local users and rooms do on the
 * Fediverse (account-actions.ts, rooms/, direct/, profile-updates.ts, call-channel-auth.ts).
 * Built per instance — several live in one process in tests — and never listens itself: the server
 * hands it requests through `handle()`, which answers null for what is not federation's.
 */
import type { Federation } from '@fedify/fedify'
import type {
  DirectConversationPort,
  MeetingsPort,
  FederationRepositories,
  FollowingRecord,
  LocalRoomDirectory,
  RemoteAccount,
  RoomChatPort,
  RoomMembershipPort,
} from './ports.ts'
import { RoomMemberActions } from './rooms/room-member-actions.ts'
import { RoomFederation } from './rooms/room-federation.ts'
import { DirectNotes } from './direct/direct-notes.ts'
import { lookupRemoteObject } from './remote-lookup.ts'
import { CallChannelAuth } from './call-channel-auth.ts'
import { InboundGate } from './inbound/inbound-gate.ts'
import { SignerKeys } from './inbound/signer-keys.ts'
import { SignatureVerifier } from './inbound/signature-verifier.ts'
import { ReplayGuard } from './inbound/replay-guard.ts'
import { installActorDispatcher } from './actor-dispatcher.ts'
import { installInboxListeners } from './inbox-listeners.ts'
import { ParsedActors } from './parsed-actors.ts'
import { installCollections } from './collections.ts'
import { installRoomHistory } from './rooms/room-history.ts'
import { INSTANCE_IDENTIFIER } from './actor-identifiers.ts'
import { INSTANCE_KEY_OWNER } from './instance-actor.ts'
import type { FederationLogger } from './log.ts'
import type { FederationCore } from './federation-core.ts'
import { AccountActions } from './account-actions.ts'
import { FederationRequests, claimsFederationPath } from './request-handler.ts'
import type { FederationError, FederationResult, RemoteActorSummary } from './federation-result.ts'

export type { FederationError, FederationResult, RemoteActorSummary }

export type ParleyFederationDeps = {
  /** What was built first: the Fedify federation, keys, policy, fetcher (federation-core.ts). */
  core: FederationCore
  /** Local rooms as `Group` actors at /rooms/{id}. */
  rooms: LocalRoomDirectory
  /** Adds and removes remote members of local rooms (the rooms layer's participants). */
  roomMembership: RoomMembershipPort
  /** Remote members' chat actions in local rooms (the chat service decides). */
  roomChat: RoomChatPort
  repositories: FederationRepositories
  /** Direct messages from remote accounts become one-to-one conversations (the server's chat). */
  direct: DirectConversationPort
  /** Meetings across instances: Events of remote rooms, answers of remote members (the server's meetings). */
  meetings?: MeetingsPort
  /** Hand what the inbound gate verified to Fedify instead of letting it check again (default true). */
  inboxHandOver?: boolean
  nodeInfo: () => Promise<{ users: number; openRegistrations: boolean }>
}

export class ParleyFederation {
  readonly origin: string
  readonly #federation: Federation<void>
  readonly #deps: ParleyFederationDeps
  readonly #core: FederationCore
  /** Key pairs of users (by user id), rooms (by room id) and the instance actor. */
  readonly #keys: FederationCore['keys']
  readonly #log: FederationLogger
  readonly #now: () => number
  readonly #policy: FederationCore['policy']
  readonly #requests: FederationRequests
  readonly #accounts: AccountActions
  /** Rooms as `Group` actors. */
  readonly rooms: RoomFederation
  /** What local users do about rooms across instances (invite, answer, leave, act in remote rooms). */
  readonly roomMembers: RoomMemberActions
  /** Direct messages, their edits, deletes and reactions, out to remote accounts (see direct/). */
  readonly direct: DirectNotes
  /** Signs and verifies the upgrades of server-to-server call channels, as the instance actor (spec/cascade.md). */
  readonly callChannels: CallChannelAuth
  #queue: AbortController | null = null
  /** The queue workers' runs: each settles once its workers finished what they were doing. */
  #workers: Promise<unknown>[] = []
  #closed = false

  constructor(deps: ParleyFederationDeps) {
    const { core } = deps
    this.origin = core.origin
    this.#core = core
    this.#deps = deps
    const { log, now, policy, fetcher, publicLoader, contextLoader } = core
    const { signatureWindowSeconds, software } = core.deps
    this.#log = log
    this.#now = now
    this.#keys = core.keys
    this.#policy = policy
    const federation = (this.#federation = core.fedify)
    const meetings = deps.meetings ? { meetings: deps.meetings } : {}
    // One set of signature checks and one key cache for every door: inboxes, rooms' actions and
    // rosters, call channels (and one replay guard for the inboxes and channels, below).
    const verifier = new SignatureVerifier({
      keys: new SignerKeys({ documentLoader: publicLoader, contextLoader, now }),
      contextLoader,
      windowSeconds: signatureWindowSeconds,
      now,
      // The fast path is one switch: with the hand-over off, Fedify checks every signature too.
      fastRsa: deps.inboxHandOver ?? true,
    })
    this.rooms = new RoomFederation({
      origin: this.origin,
      federation,
      kv: core.deps.kv,
      rooms: deps.rooms,
      chat: deps.roomChat,
      repositories: deps.repositories.rooms,
      keys: this.#keys.rooms,
      policy,
      verifier,
      log,
      now,
    })
    installActorDispatcher(federation, {
      directory: core.deps.directory,
      rooms: deps.rooms,
      keys: this.#keys,
      software,
    })
    installInboxListeners(federation, {
      publicLoader,
      actors: new ParsedActors({ documentLoader: publicLoader, contextLoader }),
      directory: core.deps.directory,
      repositories: deps.repositories,
      log,
      now,
      policy,
      direct: deps.direct,
      ...meetings,
      rooms: {
        membership: deps.roomMembership,
        backfill: (roomId, member) => this.rooms.backfill(roomId, member),
        chat: deps.roomChat,
        rooms: deps.rooms,
        repositories: deps.repositories.rooms,
        log,
        now,
        policy,
        ...meetings,
      },
    })
    installCollections(federation, {
      directory: core.deps.directory,
      rooms: deps.rooms,
      repositories: deps.repositories,
      policy,
      software,
      nodeInfo: deps.nodeInfo,
    })
    installRoomHistory(federation, {
      rooms: deps.rooms,
      chat: deps.roomChat,
      members: deps.repositories.rooms.members,
      policy,
    })
    const replays = new ReplayGuard({
      kv: core.deps.kv,
      ttlMs: signatureWindowSeconds * 2 * 1000,
      now,
      onForgetError: (error) => log.warn({ err: error }, 'replay guard entry could not be removed'),
    })
    this.#requests = new FederationRequests({
      origin: this.origin,
      federation,
      roomAction: (request, roomId) => this.rooms.handleAction(request, roomId),
      roomParticipants: (request, roomId) => this.rooms.handleParticipants(request, roomId),
      // The compact reader is part of the same fast path as the hand-over: one switch for both.
      gate: new InboundGate({ verifier, contextLoader, compactReader: deps.inboxHandOver ?? true }),
      handOver: deps.inboxHandOver ?? true,
      policy,
      replays,
      log,
    })
    this.direct = new DirectNotes({
      context: () => this.#context(),
      now,
      blocked: (actorId) => policy.blocks(actorId),
    })
    this.#accounts = new AccountActions({
      origin: this.origin,
      context: () => this.#context(),
      directory: core.deps.directory,
      repositories: deps.repositories,
      policy,
      fetcher,
      direct: this.direct,
      log,
      now,
    })
    this.callChannels = new CallChannelAuth({
      signingKey: async () => {
        const [pair] = await this.#keys.instance.cryptoKeyPairs(INSTANCE_KEY_OWNER)
        const [published] = await this.#context().getActorKeyPairs(INSTANCE_IDENTIFIER)
        return pair && published ? { keyId: published.keyId, privateKey: pair.privateKey } : null
      },
      verifier,
      replays,
      policy,
      allowPrivateAddress: core.deps.allowPrivateAddress ?? false,
      now,
    })
    this.roomMembers = new RoomMemberActions({
      context: () => this.#context(),
      users: core.deps.directory,
      rooms: this.rooms,
      directory: deps.rooms,
      repositories: deps.repositories,
      policy,
      log,
      now,
      blockedTarget: (target) => this.#accounts.blockedTarget(target),
      lookup: (ctx, target) => lookupRemoteObject(ctx, target, fetcher),
      hosts: core.hosts,
    })
  }

  /** Whether `handle()` may answer a request for this path (cheap pre-check for the web app). */
  static claims(pathname: string): boolean {
    return claimsFederationPath(pathname)
  }

  /**
   * Answers a federation request, or null when it is not one (unknown path or actor, or a browser
   * asking for HTML): the caller then serves it itself (request-handler.ts).
   */
  handle(request: Request): Promise<Response | null> {
    return this.#requests.handle(request)
  }

  /** Starts delivering and processing queued activities; `close()` stops. */
  start(): void {
    if (this.#closed) throw new DOMException('the federation is closed', 'InvalidStateError')
    if (this.#queue) return
    this.#queue = new AbortController()
    // Run-time domain blocks: loaded now, and again every minute (other nodes may change them).
    const refresh = () =>
      this.refreshDomainPolicy().catch((error: unknown) =>
        this.#log.warn({ err: error }, 'domain blocks could not be loaded'),
      )
    void refresh()
    const timer = setInterval(refresh, 60_000)
    timer.unref()
    this.#queue.signal.addEventListener('abort', () => clearInterval(timer), { once: true })
    this.#workers = [
      this.#federation.startQueue(undefined, { signal: this.#queue.signal }).catch((error: unknown) => {
        this.#log.error({ err: error }, 'federation queue stopped')
      }),
      this.#core.profileUpdates.listen(this.#queue.signal).catch((error: unknown) => {
        this.#log.error({ err: error }, 'profile update queue stopped')
      }),
    ]
  }

  /**
   * Stops the queue workers and resolves once they finished the task in hand (no fixed wait: the
   * queue's database may be closed right after). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#queue?.abort()
    this.#queue = null
    await Promise.allSettled(this.#workers)
    await this.#core.close()
  }

  /** Reloads the run-time domain blocks from the store. */
  async refreshDomainPolicy(): Promise<void> {
    this.#policy.setRuntimeBlocks((await this.#deps.repositories.domainBlocks.list()).map((b) => b.domain))
  }

  /** An admin blocks a domain (`example.com` or `host:port`) at run time; true when new. */
  async blockDomain(domain: string, createdBy: string): Promise<boolean> {
    const added = await this.#deps.repositories.domainBlocks.add({
      domain: domain.trim().toLowerCase(),
      createdBy,
      createdAt: this.#now(),
    })
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
  prepareActor(userId: string): Promise<void> {
    return this.#core.prepareActor(userId)
  }

  /** Makes key pairs for every given user lacking them; returns how many got keys. */
  prepareActors(userIds: readonly string[]): Promise<number> {
    return this.#core.prepareActors(userIds)
  }

  /** Makes the instance actor's key pairs now if missing (the instance signs call channels with them). */
  prepareInstanceActor(): Promise<void> {
    return this.#core.prepareInstanceActor()
  }

  /**
   * Tells the user's followers that the profile changed (an `Update` of the Person, to the shared
   * inboxes where there are some): Mastodon refreshes the name it shows. Queued (see
   * profile-updates.ts); never fails the local change because a follower's server is down.
   */
  async profileChanged(username: string): Promise<FederationResult<{ recipients: number }>> {
    return this.#core.profileChanged(username)
  }

  /** Looks up a remote account by handle (`@name@host` or `name@host`) or actor URL. */
  lookup(target: string): Promise<FederationResult<RemoteActorSummary>> {
    return this.#accounts.lookup(target)
  }

  /** Sends a Follow from a local user to a remote actor; the follow stays pending until accepted. */
  follow(username: string, target: string): Promise<FederationResult<FollowingRecord>> {
    return this.#accounts.follow(username, target)
  }

  /** Undoes a local user's follow of a remote actor (pending or accepted). */
  unfollow(username: string, actorId: string): Promise<FederationResult<void>> {
    return this.#accounts.unfollow(username, actorId)
  }

  /** A remote account (handle or actor URL) as a direct conversation keeps it (account-actions.ts). */
  resolveAccount(target: string): Promise<FederationResult<RemoteAccount>> {
    return this.#accounts.resolveAccount(target)
  }

  /** Sends a direct message from a local user to one remote account (account-actions.ts). */
  sendDirectMessage(
    username: string,
    to: string,
    text: string,
    inReplyTo?: string,
  ): Promise<FederationResult<{ activityId: string; noteId: string }>> {
    return this.#accounts.sendDirectMessage(username, to, text, inReplyTo)
  }

  /** A local user blocks a remote account (handle or URL); see blocks.ts. */
  block(username: string, target: string): Promise<FederationResult<{ actorId: string }>> {
    return this.#accounts.block(username, target)
  }

  /** Lifts a local user's block of a remote account (by actor id). */
  unblock(username: string, actorId: string): Promise<FederationResult<void>> {
    return this.#accounts.unblock(username, actorId)
  }

  #context() {
    return this.#core.context()
  }
}
