/**
 * What local users do about accounts on the Fediverse: look one up, follow and unfollow it, block
 * and unblock it, and reach it with direct messages. Every remote fetch goes through the instance's
 * fetcher (remote-fetcher.ts); blocked domains are refused before anything is fetched.
 */
import { randomUUID } from 'node:crypto'
import type { RemoteFetchErrorCode } from '@parley/protocol'
import type { Context } from '@fedify/fedify'
import { Follow, Undo, isActor } from '@fedify/fedify/vocab'
import type { FederationRepositories, FollowingRecord, LocalActorDirectory, RemoteAccount } from './ports.ts'
import type { FederationLogger } from './log.ts'
import type { DomainPolicy } from './domain-policy.ts'
import type { RemoteFetcher } from './remote-fetcher.ts'
import type { DirectNotes } from './direct/direct-notes.ts'
import { blockActor, unblockActor } from './blocks.ts'
import { remoteAccount } from './direct/remote-account.ts'
import { lookupRemoteObject } from './remote-lookup.ts'
import { remoteFetchErrorCode } from './fetch-errors.ts'
import { userIdentifier } from './actor-identifiers.ts'
import {
  fail,
  ok,
  remoteActorNotFound,
  type FederationError,
  type FederationResult,
  type RemoteActorSummary,
} from './federation-result.ts'

export type AccountActionsDeps = {
  origin: string
  context: () => Context<void>
  directory: LocalActorDirectory
  repositories: FederationRepositories
  policy: DomainPolicy
  fetcher: RemoteFetcher
  direct: DirectNotes
  log: FederationLogger
  now: () => number
}

export class AccountActions {
  readonly #deps: AccountActionsDeps
  readonly origin: string

  constructor(deps: AccountActionsDeps) {
    this.#deps = deps
    this.origin = new URL(deps.origin).origin
  }

  /** Looks up a remote account by handle (`@name@host` or `name@host`) or actor URL. */
  async lookup(target: string): Promise<FederationResult<RemoteActorSummary>> {
    const blocked = this.blockedTarget(target)
    if (blocked) return fail(blocked)
    const ctx = this.#deps.context()
    let object
    let reason: RemoteFetchErrorCode | null = null
    try {
      object = await lookupRemoteObject(ctx, target.trim(), this.#deps.fetcher)
    } catch (error) {
      this.#deps.log.debug({ target, err: error }, 'lookup failed')
      reason = remoteFetchErrorCode(error)
      object = null
    }
    if (!isActor(object) || object.id === null) return fail(remoteActorNotFound(reason))
    if (this.#deps.policy.blocks(object.id)) return fail({ type: 'blocked-domain', domain: object.id.host })
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
    const blocked = this.blockedTarget(target)
    if (blocked) return fail(blocked)
    const ctx = this.#deps.context()
    let remote
    let reason: RemoteFetchErrorCode | null = null
    try {
      remote = await lookupRemoteObject(ctx, target.trim(), this.#deps.fetcher)
    } catch (error) {
      reason = remoteFetchErrorCode(error)
      remote = null
    }
    if (!isActor(remote) || remote.id === null || remote.inboxId === null) return fail(remoteActorNotFound(reason))
    if (remote.id.origin === this.origin)
      return fail({ type: 'invalid-target', message: 'local users are not followed over ActivityPub' })
    if (this.#deps.policy.blocks(remote.id) || this.#deps.policy.blocks(remote.inboxId))
      return fail({ type: 'blocked-domain', domain: remote.id.host })
    const actorUri = ctx.getActorUri(userIdentifier(username))
    const record: FollowingRecord = {
      userId: user.userId,
      actorId: remote.id.href,
      followId: `${actorUri.href}/follows/${randomUUID()}`,
      state: 'pending',
      inbox: remote.inboxId.href,
      sharedInbox: remote.endpoints?.sharedInbox?.href ?? null,
      createdAt: this.#deps.now(),
    }
    await this.#deps.repositories.following.put(record)
    const follow = new Follow({ id: new URL(record.followId), actor: actorUri, object: remote.id, to: remote.id })
    await ctx.sendActivity({ identifier: userIdentifier(username) }, remote, follow)
    this.#deps.log.info({ user: username, target: remote.id.href }, 'follow sent')
    return ok(record)
  }

  /**
   * A remote account (handle or actor URL) as a direct conversation keeps it: name, avatar, inbox.
   * Refused for blocked domains, local actors and actors without an inbox.
   */
  async resolveAccount(target: string): Promise<FederationResult<RemoteAccount>> {
    const blocked = this.blockedTarget(target)
    if (blocked) return fail(blocked)
    const remote = await this.#remoteActor(target)
    if (!remote || remote.inboxId === null) return fail({ type: 'not-found', what: 'remote-actor' })
    if (remote.id.origin === this.origin)
      return fail({ type: 'invalid-target', message: 'local users are not reached over ActivityPub' })
    if (this.#deps.policy.blocks(remote.id) || this.#deps.policy.blocks(remote.inboxId))
      return fail({ type: 'blocked-domain', domain: remote.id.host })
    const account = await remoteAccount(this.#deps.context(), remote)
    return account ? ok(account) : fail({ type: 'not-found', what: 'remote-actor' })
  }

  /**
   * Sends a direct message from a local user to one remote account, as Mastodon sends one: a
   * `Create` of a `Note` addressed only to that account, with a `Mention` and an h-card link at
   * the start of the content. `text` is plain text (escaped here); `inReplyTo` threads a reply.
   * (Chat in one-to-one rooms sends through `direct` with the stored account instead.)
   */
  async sendDirectMessage(
    username: string,
    to: string,
    text: string,
    inReplyTo?: string,
  ): Promise<FederationResult<{ activityId: string; noteId: string }>> {
    const user = await this.#deps.directory.byUsername(username)
    if (!user || user.deletedAt !== null) return fail({ type: 'not-found', what: 'local-user' })
    const account = await this.resolveAccount(to)
    if (!account.ok) return account
    const sent = await this.#deps.direct.send(username, account.value, text, inReplyTo ?? null)
    return sent ? ok(sent) : fail({ type: 'blocked-domain', domain: new URL(account.value.id).host })
  }

  /** A local user blocks a remote account (handle or URL); see blocks.ts. */
  async block(username: string, target: string): Promise<FederationResult<{ actorId: string }>> {
    const user = await this.#deps.directory.byUsername(username)
    if (!user || user.deletedAt !== null) return fail({ type: 'not-found', what: 'local-user' })
    const ctx = this.#deps.context()
    const remote = await this.#remoteActor(target)
    if (!remote) return fail({ type: 'not-found', what: 'remote-actor' })
    if (remote.id.origin === this.origin)
      return fail({ type: 'invalid-target', message: 'local users are not blocked over ActivityPub' })
    await blockActor({ repositories: this.#deps.repositories, now: this.#deps.now }, ctx, user, remote)
    this.#deps.log.info({ user: username, blocked: remote.id.href }, 'remote account blocked')
    return ok({ actorId: remote.id.href })
  }

  /** Lifts a local user's block of a remote account (by actor id). */
  async unblock(username: string, actorId: string): Promise<FederationResult<void>> {
    const user = await this.#deps.directory.byUsername(username)
    if (!user) return fail({ type: 'not-found', what: 'local-user' })
    const id = new URL(actorId)
    if (!(await this.#deps.repositories.blocks.has(user.userId, id.href)))
      return fail({ type: 'not-found', what: 'block' })
    const remote = await this.#remoteActor(id.href)
    await unblockActor({ repositories: this.#deps.repositories, now: this.#deps.now }, this.#deps.context(), user, {
      id,
      inboxId: remote?.inboxId ?? null,
    })
    return ok(undefined)
  }

  async #remoteActor(target: string) {
    try {
      const object = await lookupRemoteObject(this.#deps.context(), target.trim(), this.#deps.fetcher)
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
    const ctx = this.#deps.context()
    const actorUri = ctx.getActorUri(userIdentifier(username))
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
    await ctx.sendActivity({ identifier: userIdentifier(username) }, recipient, undo)
    return ok(undefined)
  }

  /** A handle's or URL's domain, when blocked. */
  blockedTarget(target: string): FederationError | null {
    const trimmed = target.trim()
    const host = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : trimmed.replace(/^@/, '').split('@')[1]
    if (host === undefined || !this.#deps.policy.blocks(host)) return null
    return { type: 'blocked-domain', domain: host.replace(/^https?:\/\//, '').split('/')[0] ?? host }
  }
}
