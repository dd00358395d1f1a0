/**
 * Profile `Update`s to a user's followers, sent from a small queue of our own.
 *
 * Why a queue in front of Fedify's: `ctx.sendActivity(…, 'followers', …)` does its expensive part
 * before it enqueues anything — it lists every follower through the followers dispatcher, builds
 * the Person, makes the Object Integrity Proof and compacts the JSON-LD (≈ 150 ms for 1,000
 * followers, far more on a cold or busy process). A profile change should not wait on that.
 * `request()` only checks the user and counts the followers, then enqueues a durable task (the
 * same SQLite file or Redis as Fedify's queue: a crash after the change still sends the Update);
 * the listener started with the federation builds and hands the Update to Fedify, which fans it
 * out as before. The Person is read when the task runs, so several quick changes send the latest.
 */
import { userIdentifier } from './actor-identifiers.ts'
import { randomUUID } from 'node:crypto'
import type { Context, MessageQueue } from '@fedify/fedify'
import { PUBLIC_COLLECTION, Update } from '@fedify/fedify/vocab'
import type { FollowerRepository, LocalActorDirectory } from './ports.ts'
import type { FederationLogger } from './log.ts'
import { buildPerson } from './person.ts'
import { fail, ok, type FederationResult } from './federation-result.ts'

/** A queued profile update (the queue is ours alone; the type guards against a mix-up). */
type ProfileUpdateTask = { type: 'parley:profile-update'; username: string }

export type ProfileUpdatesDeps = {
  context: () => Context<void>
  directory: Pick<LocalActorDirectory, 'byUsername'>
  followers: Pick<FollowerRepository, 'count'>
  /** Where tasks wait; without one, `request()` sends at once (and takes the time that takes). */
  queue?: MessageQueue
  log: FederationLogger
}

export class ProfileUpdates {
  readonly #deps: ProfileUpdatesDeps

  constructor(deps: ProfileUpdatesDeps) {
    this.#deps = deps
  }

  /** The local action: tells the user's followers, later, that the profile changed. */
  async request(username: string): Promise<FederationResult<{ recipients: number }>> {
    const user = await this.#deps.directory.byUsername(username)
    if (!user || user.deletedAt !== null) return fail({ type: 'not-found', what: 'local-user' })
    const recipients = await this.#deps.followers.count(user.userId)
    if (recipients === 0) return ok({ recipients })
    const task: ProfileUpdateTask = { type: 'parley:profile-update', username }
    if (this.#deps.queue) await this.#deps.queue.enqueue(task)
    else await this.send(username)
    return ok({ recipients })
  }

  /** Runs queued tasks until `signal` aborts (started and stopped with the federation's queue). */
  async listen(signal: AbortSignal): Promise<void> {
    await this.#deps.queue?.listen(
      async (message) => {
        const task = message as Partial<ProfileUpdateTask>
        if (task.type !== 'parley:profile-update' || typeof task.username !== 'string') {
          this.#deps.log.warn({ task: typeof message }, 'unknown profile update task dropped')
          return
        }
        await this.send(task.username)
      },
      { signal },
    )
  }

  /**
   * Sends an `Update` of the user's Person to the followers (their shared inboxes where they have
   * some): Mastodon refreshes the name it shows. Fedify queues each delivery.
   */
  async send(username: string): Promise<void> {
    const user = await this.#deps.directory.byUsername(username)
    if (!user || user.deletedAt !== null) return
    const ctx = this.#deps.context()
    const actorUri = ctx.getActorUri(userIdentifier(username))
    const update = new Update({
      id: new URL(`${actorUri.href}#updates/${randomUUID()}`),
      actor: actorUri,
      object: await buildPerson(ctx, user),
      to: PUBLIC_COLLECTION,
      cc: ctx.getFollowersUri(userIdentifier(username)),
    })
    await ctx.sendActivity({ identifier: userIdentifier(username) }, 'followers', update, { preferSharedInbox: true })
  }
}
