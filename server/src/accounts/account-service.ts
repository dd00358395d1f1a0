/**
 * Accounts: registration, login, sessions, API tokens, invites and the admin's user management.
 * Expected outcomes are values whose error `type` is a stable code of `@parley/protocol`, so the
 * HTTP layer and the CLI report them without translating.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { ErrorCode, RegistrationMode, UserRole } from '@parley/protocol'
import type { Store } from '../store/ports.ts'
import type { ApiTokenRecord, SessionRecord, UserRecord } from '../store/records.ts'
import { decoyHash, hashPassword, verifyPassword } from './passwords.ts'
import { API_TOKEN_PREFIX, hashSecret, newSecret } from './secrets.ts'
import type { LoginLimiter } from './login-limiter.ts'

export type Result<T, E extends ErrorCode = ErrorCode> =
  { ok: true; value: T } | { ok: false; error: { type: E; details?: Record<string, unknown> } }

const ok = <T>(value: T) => ({ ok: true as const, value })
const fail = <E extends ErrorCode>(type: E, details?: Record<string, unknown>) => ({
  ok: false as const,
  error: { type, ...(details ? { details } : {}) },
})

export type AccountServiceDeps = {
  store: Store
  limiter: LoginLimiter
  registration: RegistrationMode
  sessionTtlMs: number
  now?: (() => number) | undefined
  /** Told about every new account (federation makes its key pairs here, ahead of first use). Failures do not fail the creation. */
  onUserCreated?: (user: UserRecord) => Promise<void>
  /** Told when a user's public profile changed (federation sends an Update to followers). Failures do not fail the change. */
  onProfileChanged?: (user: UserRecord) => Promise<void>
  /**
   * Where the hooks' failures go (the instance logs them with `component: 'accounts'`): they do not
   * fail the creation or change, but an actor without keys or followers never told must be visible.
   */
  onError?: (error: unknown, failed: string) => void
}

export type NewUser = {
  username: string
  password?: string | undefined
  displayName?: string | undefined
  role?: UserRole
}
export type LoginOutcome = { user: UserRecord; session: SessionRecord; cookieSecret: string }
export type Authenticated =
  | { user: UserRecord; via: 'session'; session: SessionRecord }
  | { user: UserRecord; via: 'token'; token: ApiTokenRecord }

const DAY = 24 * 60 * 60 * 1000
const TOKEN_TOUCH_INTERVAL_MS = 60 * 1000

export class AccountService {
  readonly #store: Store
  readonly #limiter: LoginLimiter
  readonly #registration: RegistrationMode
  readonly #sessionTtlMs: number
  readonly #now: () => number
  readonly #onUserCreated: (user: UserRecord) => Promise<void>
  readonly #onProfileChanged: (user: UserRecord) => Promise<void>
  readonly #onError: (error: unknown, failed: string) => void

  constructor(deps: AccountServiceDeps) {
    this.#store = deps.store
    this.#limiter = deps.limiter
    this.#registration = deps.registration
    this.#sessionTtlMs = deps.sessionTtlMs
    this.#now = deps.now ?? Date.now
    this.#onUserCreated = deps.onUserCreated ?? (async () => {})
    this.#onProfileChanged = deps.onProfileChanged ?? (async () => {})
    this.#onError = deps.onError ?? (() => {})
  }

  /** Self-service registration, governed by the instance's registration mode. */
  async register(
    input: NewUser & { inviteCode?: string | undefined },
  ): Promise<Result<UserRecord, 'registration-closed' | 'invite-required' | 'invite-invalid' | 'username-taken'>> {
    if (this.#registration === 'closed') return fail('registration-closed')
    const id = randomUUID()
    let inviteHash: string | undefined
    if (this.#registration === 'invite') {
      if (!input.inviteCode) return fail('invite-required')
      inviteHash = hashSecret(input.inviteCode)
      // Check the name first so a taken name does not burn the invite.
      if (await this.#store.users.byUsername(input.username)) return fail('username-taken')
      if (!(await this.#store.invites.consume(inviteHash, id, this.#now()))) return fail('invite-invalid')
    }
    const created = await this.createUser({ ...input, role: 'user' }, id)
    if (!created.ok && inviteHash) await this.#store.invites.release(inviteHash)
    return created
  }

  /** Creates an account regardless of the registration mode: for admins and the CLI. */
  async createUser(input: NewUser, id: string = randomUUID()): Promise<Result<UserRecord, 'username-taken'>> {
    const record: UserRecord = {
      id,
      username: input.username,
      displayName: input.displayName ?? input.username,
      role: input.role ?? 'user',
      passwordHash: input.password === undefined ? null : await hashPassword(input.password),
      disabled: false,
      createdAt: this.#now(),
      deletedAt: null,
      hidden: false,
      avatarEtag: null,
    }
    const created = await this.#store.users.create(record)
    if (!created.ok) return fail('username-taken')
    await this.#onUserCreated(created.value).catch((error: unknown) =>
      this.#onError(error, `preparing the new account ${created.value.username} for federation failed`),
    )
    return ok(created.value)
  }

  async login(
    username: string,
    password: string,
    address: string,
    userAgent?: string,
  ): Promise<Result<LoginOutcome, 'invalid-credentials' | 'account-disabled' | 'rate-limited'>> {
    const account = username.toLowerCase()
    // Charged before the (slow, asynchronous) check: concurrent guesses buy no extra attempts.
    const allowed = await this.#limiter.begin(account, address)
    if (!allowed.ok) return fail('rate-limited', { retryAfterSeconds: allowed.retryAfterSeconds })
    const user = await this.#store.users.byUsername(account)
    const usable = user && user.deletedAt === null && user.passwordHash !== null
    // Verify even for unknown users, so response time does not reveal which usernames exist.
    const matches = await verifyPassword(password, usable ? (user.passwordHash as string) : await decoyHash())
    if (!usable || !matches) return fail('invalid-credentials')
    if (user.disabled) return fail('account-disabled')
    await this.#limiter.succeeded(account, address)
    return ok(await this.startSession(user, userAgent))
  }

  /** A new session id at every login: a fixated or stolen pre-login id is worth nothing. */
  async startSession(user: UserRecord, userAgent?: string): Promise<LoginOutcome> {
    const cookieSecret = newSecret()
    const now = this.#now()
    const session: SessionRecord = {
      idHash: hashSecret(cookieSecret),
      userId: user.id,
      csrfToken: newSecret(),
      createdAt: now,
      expiresAt: now + this.#sessionTtlMs,
      // Shown to the person reviewing their sessions; bounded, as it comes from the client.
      userAgent: userAgent ? userAgent.slice(0, 300) : null,
    }
    await this.#store.sessions.create(session)
    return { user, session, cookieSecret }
  }

  async logout(session: SessionRecord): Promise<void> {
    await this.#store.sessions.delete(session.idHash)
  }

  async authenticateSession(
    cookieSecret: string,
  ): Promise<Result<Authenticated, 'session-expired' | 'account-disabled'>> {
    const session = await this.#store.sessions.byIdHash(hashSecret(cookieSecret))
    if (!session) return fail('session-expired')
    if (session.expiresAt <= this.#now()) {
      await this.#store.sessions.delete(session.idHash)
      return fail('session-expired')
    }
    const user = await this.#activeUser(session.userId)
    if (!user.ok) return user
    return ok({ user: user.value, via: 'session', session })
  }

  async authenticateToken(
    secret: string,
  ): Promise<Result<Authenticated, 'token-invalid' | 'token-expired' | 'token-revoked' | 'account-disabled'>> {
    if (!secret.startsWith(API_TOKEN_PREFIX)) return fail('token-invalid')
    const token = await this.#store.tokens.bySecretHash(hashSecret(secret))
    if (!token) return fail('token-invalid')
    if (token.revokedAt !== null) return fail('token-revoked')
    const now = this.#now()
    if (token.expiresAt !== null && token.expiresAt <= now) return fail('token-expired')
    const user = await this.#activeUser(token.userId)
    if (!user.ok) return fail(user.error.type === 'account-disabled' ? 'account-disabled' : 'token-revoked')
    // lastUsedAt is for people reviewing their tokens: minute precision is plenty, and skipping the
    // write on every request keeps API-heavy clients from paying a store write per call.
    if (token.lastUsedAt === null || now - token.lastUsedAt >= TOKEN_TOUCH_INTERVAL_MS) {
      await this.#store.tokens.touch(token.id, now)
      return ok({ user: user.value, via: 'token', token: { ...token, lastUsedAt: now } })
    }
    return ok({ user: user.value, via: 'token', token })
  }

  async updateProfile(userId: string, displayName: string): Promise<UserRecord | null> {
    const updated = await this.#store.users.update(userId, { displayName })
    if (updated) await this.#onProfileChanged(updated).catch((error: unknown) => this.#profileNotSent(error, updated))
    return updated
  }

  #profileNotSent(error: unknown, user: UserRecord): void {
    this.#onError(error, `telling the Fediverse of ${user.username}'s new profile failed`)
  }

  async createToken(
    userId: string,
    name: string,
    expiresInDays?: number,
  ): Promise<{ token: ApiTokenRecord; secret: string }> {
    const secret = newSecret(API_TOKEN_PREFIX)
    const now = this.#now()
    const token: ApiTokenRecord = {
      id: randomUUID(),
      userId,
      name,
      secretHash: hashSecret(secret),
      createdAt: now,
      expiresAt: expiresInDays === undefined ? null : now + expiresInDays * DAY,
      lastUsedAt: null,
      revokedAt: null,
    }
    await this.#store.tokens.create(token)
    return { token, secret }
  }

  listTokens(userId: string): Promise<ApiTokenRecord[]> {
    return this.#store.tokens.listForUser(userId)
  }

  revokeToken(userId: string, tokenId: string): Promise<boolean> {
    return this.#store.tokens.revoke(tokenId, userId, this.#now())
  }

  /**
   * The signed-in user changes their password: the current one is checked first (a stolen session
   * alone cannot take the account over). With `signOutOthers`, every other session ends and every
   * API token but the one making the request is revoked.
   */
  async changePassword(
    auth: Authenticated,
    currentPassword: string,
    newPassword: string,
    signOutOthers: boolean,
    address: string,
  ): Promise<Result<{ sessionsEnded: number; tokensRevoked: number }, 'current-password-wrong' | 'rate-limited'>> {
    const { user } = auth
    // The same limits as logins: a stolen session or token must not become a password oracle.
    const allowed = await this.#limiter.begin(user.username, address)
    if (!allowed.ok) return fail('rate-limited', { retryAfterSeconds: allowed.retryAfterSeconds })
    if (user.passwordHash === null || !(await verifyPassword(currentPassword, user.passwordHash)))
      return fail('current-password-wrong')
    await this.#limiter.succeeded(user.username, address)
    await this.#store.users.update(user.id, { passwordHash: await hashPassword(newPassword) })
    if (!signOutOthers) return ok({ sessionsEnded: 0, tokensRevoked: 0 })
    return ok(
      await this.#signOut(user.id, {
        session: auth.via === 'session' ? auth.session.idHash : null,
        token: auth.via === 'token' ? auth.token.id : null,
      }),
    )
  }

  /** An admin sets a user's password (`parley user password NAME`): every session of the user ends. */
  async resetPassword(username: string, password: string): Promise<Result<UserRecord, 'not-found'>> {
    const user = await this.#store.users.byUsername(username)
    if (!user || user.deletedAt !== null) return fail('not-found')
    const updated = await this.#store.users.update(user.id, { passwordHash: await hashPassword(password) })
    await this.#store.sessions.deleteForUser(user.id)
    return updated ? ok(updated) : fail('not-found')
  }

  /** The user's unexpired browser sessions, oldest first. */
  listSessions(userId: string): Promise<SessionRecord[]> {
    return this.#store.sessions.listForUser(userId, this.#now())
  }

  /** Ends one of the user's sessions, named by its public id; false when there is none of theirs by that id. */
  async revokeSession(userId: string, publicId: string): Promise<boolean> {
    const session = (await this.listSessions(userId)).find((s) => sessionPublicId(s) === publicId)
    if (!session) return false
    await this.#store.sessions.delete(session.idHash)
    return true
  }

  /** Ends every session and revokes every token of the user, except the ones kept. */
  async #signOut(
    userId: string,
    keep: { session: string | null; token: string | null },
  ): Promise<{ sessionsEnded: number; tokensRevoked: number }> {
    let sessionsEnded = 0
    for (const session of await this.#store.sessions.listForUser(userId, 0)) {
      if (session.idHash === keep.session) continue
      await this.#store.sessions.delete(session.idHash)
      sessionsEnded += 1
    }
    let tokensRevoked = 0
    for (const token of await this.#store.tokens.listForUser(userId)) {
      if (token.id === keep.token) continue
      if (await this.#store.tokens.revoke(token.id, userId, this.#now())) tokensRevoked += 1
    }
    return { sessionsEnded, tokensRevoked }
  }

  /** Hides an account from the user directory, or shows it again. */
  async setHidden(username: string, hidden: boolean): Promise<Result<UserRecord, 'not-found'>> {
    const user = await this.#store.users.byUsername(username)
    if (!user || user.deletedAt !== null) return fail('not-found')
    const updated = await this.#store.users.update(user.id, { hidden })
    return updated ? ok(updated) : fail('not-found')
  }

  async createInvite(createdBy: string, expiresInDays = 7): Promise<{ code: string; expiresAt: number }> {
    const code = newSecret()
    const now = this.#now()
    const expiresAt = now + expiresInDays * DAY
    await this.#store.invites.create({
      codeHash: hashSecret(code),
      createdBy,
      createdAt: now,
      expiresAt,
      usedBy: null,
      usedAt: null,
    })
    return { code, expiresAt }
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.#store.users.list()).filter((u) => u.deletedAt === null)
  }

  /** Disabling also ends every session of the account; its tokens stop working while disabled. */
  async setDisabled(username: string, disabled: boolean): Promise<Result<UserRecord, 'not-found' | 'last-admin'>> {
    const user = await this.#store.users.byUsername(username)
    if (!user || user.deletedAt !== null) return fail('not-found')
    if (disabled && (await this.#isLastAdmin(user))) return fail('last-admin')
    const updated = await this.#store.users.update(user.id, { disabled })
    if (disabled) await this.#store.sessions.deleteForUser(user.id)
    return updated ? ok(updated) : fail('not-found')
  }

  /**
   * Deletes an account: its password and sessions go, its id and username stay as a tombstone so the
   * name is never given to someone else and references to the id stay meaningful.
   */
  async deleteUser(username: string): Promise<Result<UserRecord, 'not-found' | 'last-admin'>> {
    const user = await this.#store.users.byUsername(username)
    if (!user || user.deletedAt !== null) return fail('not-found')
    if (await this.#isLastAdmin(user)) return fail('last-admin')
    await this.#store.sessions.deleteForUser(user.id)
    for (const token of await this.#store.tokens.listForUser(user.id))
      await this.#store.tokens.revoke(token.id, user.id, this.#now())
    // Nothing of the person stays on show: their picture and status go with the account.
    await this.#store.avatars.delete(user.id)
    await this.#store.statuses.clear(user.id)
    const updated = await this.#store.users.update(user.id, {
      deletedAt: this.#now(),
      passwordHash: null,
      disabled: true,
      displayName: 'Deleted user',
      avatarEtag: null,
    })
    return updated ? ok(updated) : fail('not-found')
  }

  /**
   * Whether `user` is the only administrator who can still sign in: disabling or deleting them
   * would leave the server with nobody to run it from the web (only `parley user add --admin` on
   * the machine itself). Admins are few, so reading the list is cheap.
   */
  async #isLastAdmin(user: UserRecord): Promise<boolean> {
    if (user.role !== 'admin' || user.disabled) return false
    const others = (await this.#store.users.list()).filter(
      (u) => u.id !== user.id && u.role === 'admin' && !u.disabled && u.deletedAt === null,
    )
    return others.length === 0
  }

  async #activeUser(id: string): Promise<Result<UserRecord, 'account-disabled' | 'session-expired'>> {
    const user = await this.#store.users.byId(id)
    if (!user || user.deletedAt !== null) return fail('session-expired')
    if (user.disabled) return fail('account-disabled')
    return ok(user)
  }
}

/**
 * The name of a session in lists: derived from the stored hash (itself the hash of the cookie), so it
 * is stable, needs no column, and gives nothing that signs anyone in.
 */
export function sessionPublicId(session: Pick<SessionRecord, 'idHash'>): string {
  return createHash('sha256').update(`session:${session.idHash}`).digest('base64url').slice(0, 32)
}
