/**
 * Typed REST client: every body and reply type comes from @parley/protocol. Uses the global
 * `fetch` (browsers, Node 18+). Authenticates with an API token (`Bearer`), a guest secret
 * (`Guest`), or, in browsers, the session cookie (pass `csrfToken` for state-changing calls).
 */
import type {
  ErrorBody, GuestJoin, GuestSession, HistoryPage, HistoryQuery, MessageView, NotificationList, ParticipantList, ParticipantUpdate,
  ParticipantView, PollCreate, PollView, ReactionList, ReadState, RoomCreate, RoomList, RoomSettingsUpdate, RoomUpdate, RoomView,
  SearchResults, UserProfile, IceServers, RecordingList,
} from '@parley/protocol'
import { ParleyApiError } from './errors.ts'
import { FederationClient } from './federation-client.ts'

export type ClientAuth = { token: string } | { guestSecret: string } | { csrfToken: string } | null

export type RestClientOptions = { baseUrl: string; auth?: ClientAuth; fetch?: typeof fetch }

export class ParleyClient {
  readonly baseUrl: string
  readonly #auth: ClientAuth
  readonly #fetch: typeof fetch

  constructor(options: RestClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '')
    this.#auth = options.auth ?? null
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  }

  /** The same server as someone else. */
  as(auth: ClientAuth): ParleyClient {
    return new ParleyClient({ baseUrl: this.baseUrl, auth, fetch: this.#fetch })
  }

  get auth(): ClientAuth {
    return this.#auth
  }

  /** Fediverse accounts, follows, blocks, invitations and rooms on other instances. */
  get federation(): FederationClient {
    return new FederationClient(this)
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const auth = this.#auth
    if (auth && 'token' in auth) headers.authorization = `Bearer ${auth.token}`
    else if (auth && 'guestSecret' in auth) headers.authorization = `Guest ${auth.guestSecret}`
    else if (auth && 'csrfToken' in auth) headers['x-csrf-token'] = auth.csrfToken
    const response = await this.#fetch(this.baseUrl + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      credentials: 'include',
    })
    if (response.status === 204) return undefined as T
    // Some replies carry only their status (e.g. 201 for a new domain block, 200 for one kept).
    const text = await response.text()
    if (text === '' && response.ok) return undefined as T
    const payload = JSON.parse(text) as unknown
    if (!response.ok) throw new ParleyApiError(response.status, (payload as ErrorBody).error)
    return payload as T
  }

  me(): Promise<UserProfile> {
    return this.request('GET', '/api/v1/me')
  }

  // Calls
  /** ICE servers with fresh TURN credentials for this user (they expire: fetch again before joining). */
  iceServers(): Promise<IceServers> {
    return this.request('GET', '/api/v1/calls/ice-servers')
  }
  recordings(roomId: string): Promise<RecordingList> {
    return this.request('GET', `/api/v1/rooms/${encodeURIComponent(roomId)}/recordings`)
  }
  /** Deletes a recording and its file (those who may record in the room). */
  deleteRecording(roomId: string, recordingId: string): Promise<void> {
    return this.request('DELETE', `/api/v1/rooms/${encodeURIComponent(roomId)}/recordings/${encodeURIComponent(recordingId)}`)
  }

  // Rooms
  rooms(): Promise<RoomList> {
    return this.request('GET', '/api/v1/rooms')
  }
  listableRooms(): Promise<RoomList> {
    return this.request('GET', '/api/v1/rooms/listable')
  }
  createRoom(input: RoomCreate): Promise<RoomView> {
    return this.request('POST', '/api/v1/rooms', input)
  }
  oneToOne(userId: string): Promise<RoomView> {
    return this.request('POST', '/api/v1/rooms/one-to-one', { userId })
  }
  /** The one-to-one room with a Fediverse account (`@bob@b.example` or its actor URL): direct messages over ActivityPub. */
  oneToOneRemote(handle: string): Promise<RoomView> {
    return this.request('POST', '/api/v1/rooms/one-to-one', { handle })
  }
  room(roomId: string): Promise<RoomView> {
    return this.request('GET', `/api/v1/rooms/${enc(roomId)}`)
  }
  updateRoom(roomId: string, input: RoomUpdate): Promise<RoomView> {
    return this.request('PATCH', `/api/v1/rooms/${enc(roomId)}`, input)
  }
  deleteRoom(roomId: string): Promise<void> {
    return this.request('DELETE', `/api/v1/rooms/${enc(roomId)}`)
  }
  roomSettings(roomId: string, input: RoomSettingsUpdate): Promise<RoomView> {
    return this.request('PATCH', `/api/v1/rooms/${enc(roomId)}/settings`, input)
  }
  join(roomId: string, password?: string): Promise<RoomView> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/join`, password === undefined ? {} : { password })
  }
  leave(roomId: string): Promise<void> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/leave`)
  }
  /** Opens a public room as a guest; `.as({ guestSecret: session.secret })` then acts as that guest. */
  joinAsGuest(roomId: string, input: GuestJoin): Promise<GuestSession> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/guests`, input)
  }

  // Participants
  participants(roomId: string): Promise<ParticipantList> {
    return this.request('GET', `/api/v1/rooms/${enc(roomId)}/participants`)
  }
  addParticipant(roomId: string, userId: string, role?: 'moderator' | 'member'): Promise<ParticipantView> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/participants`, role ? { userId, role } : { userId })
  }
  updateParticipant(roomId: string, actorId: string, input: ParticipantUpdate): Promise<ParticipantView> {
    return this.request('PATCH', `/api/v1/rooms/${enc(roomId)}/participants/${enc(actorId)}`, input)
  }
  removeParticipant(roomId: string, actorId: string): Promise<void> {
    return this.request('DELETE', `/api/v1/rooms/${enc(roomId)}/participants/${enc(actorId)}`)
  }
  ban(roomId: string, actorId: string): Promise<void> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/participants/${enc(actorId)}/ban`)
  }
  admit(roomId: string, actorId: string): Promise<ParticipantView> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/participants/${enc(actorId)}/admit`)
  }

  // Chat
  history(roomId: string, query: HistoryQuery = {}): Promise<HistoryPage> {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)] as [string, string]))
    const qs = params.size > 0 ? `?${params}` : ''
    return this.request('GET', `/api/v1/rooms/${enc(roomId)}/messages${qs}`)
  }
  post(roomId: string, body: string, replyTo?: number): Promise<MessageView> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/messages`, replyTo === undefined ? { body } : { body, replyTo })
  }
  edit(roomId: string, seq: number, body: string): Promise<MessageView> {
    return this.request('PATCH', `/api/v1/rooms/${enc(roomId)}/messages/${seq}`, { body })
  }
  deleteMessage(roomId: string, seq: number): Promise<MessageView> {
    return this.request('DELETE', `/api/v1/rooms/${enc(roomId)}/messages/${seq}`)
  }
  react(roomId: string, seq: number, emoji: string): Promise<MessageView> {
    return this.request('PUT', `/api/v1/rooms/${enc(roomId)}/messages/${seq}/reactions/${enc(emoji)}`)
  }
  unreact(roomId: string, seq: number, emoji: string): Promise<MessageView> {
    return this.request('DELETE', `/api/v1/rooms/${enc(roomId)}/messages/${seq}/reactions/${enc(emoji)}`)
  }
  reactions(roomId: string, seq: number): Promise<ReactionList> {
    return this.request('GET', `/api/v1/rooms/${enc(roomId)}/messages/${seq}/reactions`)
  }
  markRead(roomId: string, seq: number): Promise<ReadState> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/read`, { seq })
  }
  createPoll(roomId: string, input: PollCreate): Promise<{ message: MessageView; poll: PollView }> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/polls`, input)
  }
  poll(roomId: string, pollId: string): Promise<PollView> {
    return this.request('GET', `/api/v1/rooms/${enc(roomId)}/polls/${enc(pollId)}`)
  }
  vote(roomId: string, pollId: string, options: number[]): Promise<PollView> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/polls/${enc(pollId)}/votes`, { options })
  }
  closePoll(roomId: string, pollId: string): Promise<PollView> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/polls/${enc(pollId)}/close`)
  }
  search(q: string, limit?: number): Promise<SearchResults> {
    return this.request('GET', `/api/v1/rooms/search?${new URLSearchParams({ q, ...(limit ? { limit: String(limit) } : {}) })}`)
  }
  notifications(): Promise<NotificationList> {
    return this.request('GET', '/api/v1/notifications')
  }
  markNotificationsRead(ids: string[]): Promise<void> {
    return this.request('POST', '/api/v1/notifications/read', { ids })
  }
}

const enc = encodeURIComponent
