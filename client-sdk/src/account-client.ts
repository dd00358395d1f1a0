/**
 * The account part of the REST API, reached as `client.account`: registering, signing in and out
 * with a browser session, the profile, avatar, status, password, sessions, personal API tokens and
 * Web Push subscriptions.
 * Sends through the same client.
 */
import type {
  LoginRequest,
  PasswordChange,
  ProfileUpdate,
  PushPublicKey,
  PushSubscriptionCreate,
  PushSubscriptionList,
  PushSubscriptionView,
  RegisterRequest,
  SessionInfo,
  SessionList,
  TokenCreateRequest,
  TokenCreated,
  TokenList,
  UserProfile,
  UserStatus,
  UserStatusUpdate,
} from '@parley/protocol'
import type { RequestSender } from './federation-client.ts'
import { ParleyApiError } from './errors.ts'

/** What the AccountClient needs of the REST client: JSON requests, and raw ones for images. */
export type AccountSender = RequestSender & {
  send(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: RequestInit['body'] },
  ): Promise<Response>
}

export class AccountClient {
  readonly #rest: AccountSender

  constructor(rest: AccountSender) {
    this.#rest = rest
  }

  /** Creates an account (with an invite code where the instance needs one) and starts a browser session. */
  register(input: RegisterRequest): Promise<SessionInfo> {
    return this.#rest.request('POST', '/api/v1/account/register', input)
  }
  /** Signs in; in browsers the reply sets the session cookie. */
  signIn(input: LoginRequest): Promise<SessionInfo> {
    return this.#rest.request('POST', '/api/v1/session', input)
  }
  /** The current browser session (with its CSRF token); `unauthenticated` without one. */
  session(): Promise<SessionInfo> {
    return this.#rest.request('GET', '/api/v1/session')
  }
  signOut(): Promise<void> {
    return this.#rest.request('DELETE', '/api/v1/session')
  }
  updateProfile(input: ProfileUpdate): Promise<UserProfile> {
    return this.#rest.request('PATCH', '/api/v1/me', input)
  }
  tokens(): Promise<TokenList> {
    return this.#rest.request('GET', '/api/v1/me/tokens')
  }
  /** The secret is in the reply only: it is never shown again. */
  createToken(input: TokenCreateRequest): Promise<TokenCreated> {
    return this.#rest.request('POST', '/api/v1/me/tokens', input)
  }
  revokeToken(id: string): Promise<void> {
    return this.#rest.request('DELETE', `/api/v1/me/tokens/${encodeURIComponent(id)}`)
  }

  /** Changes my password; the current one is required. `signOutOthers` ends my other sessions and revokes my other tokens. */
  changePassword(input: PasswordChange): Promise<void> {
    return this.#rest.request('POST', '/api/v1/me/password', input)
  }
  /** The browser sessions I am signed in with (`current`: this one). */
  sessions(): Promise<SessionList> {
    return this.#rest.request('GET', '/api/v1/me/sessions')
  }
  revokeSession(id: string): Promise<void> {
    return this.#rest.request('DELETE', `/api/v1/me/sessions/${encodeURIComponent(id)}`)
  }
  /** Uploads my avatar (PNG, JPEG, WebP or GIF, at most 2 MiB); the server stores it as a 256-pixel square. */
  async setAvatar(
    image: Blob | Uint8Array,
    mediaType = image instanceof Blob ? image.type : 'image/png',
  ): Promise<UserProfile> {
    const response = await this.#rest.send('PUT', '/api/v1/me/avatar', {
      headers: { 'content-type': mediaType, accept: 'application/json' },
      body: image as RequestInit['body'],
    })
    const text = await response.text()
    const type = response.headers.get('content-type')
    if (!response.ok || !type?.includes('json')) throw ParleyApiError.fromReply(response.status, type, text)
    return JSON.parse(text) as UserProfile
  }
  removeAvatar(): Promise<UserProfile> {
    return this.#rest.request('DELETE', '/api/v1/me/avatar')
  }
  status(): Promise<UserStatus> {
    return this.#rest.request('GET', '/api/v1/me/status')
  }
  /** Online, away or do not disturb, with an optional message and expiry; my rooms see it in presence events. */
  setStatus(input: UserStatusUpdate): Promise<UserStatus> {
    return this.#rest.request('PUT', '/api/v1/me/status', input)
  }

  /** The instance's VAPID public key: pass it as `applicationServerKey` to `PushManager.subscribe()`. */
  pushPublicKey(): Promise<PushPublicKey> {
    return this.#rest.request('GET', '/api/v1/push/public-key')
  }
  /** My push subscriptions (`current`: made by this session or token). */
  pushSubscriptions(): Promise<PushSubscriptionList> {
    return this.#rest.request('GET', '/api/v1/me/push-subscriptions')
  }
  /**
   * Hands the instance a browser's push subscription (`subscription.toJSON()`): mentions, replies
   * and incoming calls then reach it while no tab is open. Tied to this session or token; an https
   * endpoint on a public address is required (`push-endpoint-invalid`, `push-keys-invalid`,
   * `push-subscription-limit`).
   */
  addPushSubscription(subscription: PushSubscriptionCreate): Promise<PushSubscriptionView> {
    return this.#rest.request('POST', '/api/v1/me/push-subscriptions', subscription)
  }
  removePushSubscription(id: string): Promise<void> {
    return this.#rest.request('DELETE', `/api/v1/me/push-subscriptions/${encodeURIComponent(id)}`)
  }
}
