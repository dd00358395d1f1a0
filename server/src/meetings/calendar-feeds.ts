/**
 * Private calendar feeds: a user gets one secret URL that calendar apps subscribe to (they cannot
 * sign in), showing the user's agenda. Only the secret's SHA-256 is kept; a new URL revokes the old
 * one, and revoking ends the feed. A revoked token is told apart from an unknown one so a calendar
 * app's owner learns to ask for a new URL.
 */
import type { Store } from '../store/ports.ts'
import type { UserRecord } from '../store/records.ts'
import { hashSecret, newSecret } from '../accounts/secrets.ts'
import { fail, ok, type Result } from '../rooms/result.ts'

export const CALENDAR_TOKEN_PREFIX = 'parley-cal_'

export class CalendarFeeds {
  readonly #store: Store
  readonly #publicOrigin: string
  readonly #now: () => number

  constructor(deps: { store: Store; publicOrigin: string; now?: () => number }) {
    this.#store = deps.store
    this.#publicOrigin = deps.publicOrigin
    this.#now = deps.now ?? Date.now
  }

  /** A new feed URL for the user (the earlier one stops working). */
  async create(userId: string): Promise<{ url: string; createdAt: number }> {
    const token = newSecret(CALENDAR_TOKEN_PREFIX)
    const createdAt = this.#now()
    await this.#store.meetings.replaceFeed({ tokenHash: hashSecret(token), userId, createdAt, revokedAt: null })
    const url = new URL('/api/v1/calendar/feed.ics', this.#publicOrigin)
    url.searchParams.set('token', token)
    return { url: url.href, createdAt }
  }

  /** Since when the user's feed URL works, or null when there is none (the URL itself is not kept). */
  async live(userId: string): Promise<number | null> {
    return (await this.#store.meetings.liveFeed(userId))?.createdAt ?? null
  }

  /** Ends the user's feed; false when there was none. */
  async revoke(userId: string): Promise<boolean> {
    return (await this.#store.meetings.revokeFeeds(userId, this.#now())) > 0
  }

  /** The user whose feed this token opens. */
  async resolve(token: string): Promise<Result<UserRecord, 'calendar-feed-invalid' | 'calendar-feed-revoked'>> {
    if (!token.startsWith(CALENDAR_TOKEN_PREFIX) || token.length > 100) return fail('calendar-feed-invalid')
    const feed = await this.#store.meetings.feedByHash(hashSecret(token))
    if (!feed) return fail('calendar-feed-invalid')
    if (feed.revokedAt !== null) return fail('calendar-feed-revoked')
    const user = await this.#store.users.byId(feed.userId)
    // A disabled or deleted account's feed ends with it.
    if (!user || user.disabled || user.deletedAt !== null) return fail('calendar-feed-revoked')
    return ok(user)
  }
}
