/**
 * Typed REST client: every body and reply type comes from @parley/protocol. Uses the global
 * `fetch` (browsers, Node 18+). Authenticates with an API token (`Bearer`), a guest secret
 * (`Guest`), or, in browsers, the session cookie (pass `csrfToken` for state-changing calls).
 */
import type {
  DirectoryPage,
  DirectoryQuery,
  GuestJoin,
  GuestSession,
  HistoryPage,
  HistoryQuery,
  MentionCandidates,
  MessageView,
  MyRoomList,
  QueuedWrite,
  NotificationList,
  ParticipantList,
  ParticipantUpdate,
  ParticipantView,
  PollCreate,
  PollView,
  ReactionList,
  ReadState,
  RoomCreate,
  RoomList,
  RoomSettingsUpdate,
  RoomUpdate,
  RoomView,
  SearchResults,
  UserProfile,
  IceServers,
  RecordingList,
} from '@parley/protocol'
import { ParleyApiError } from './errors.ts'

/** Only types come from the protocol (browser bundles carry no schemas): the words are repeated here. */
const ErrorMessages = {
  writeQueued:
    "The room's host cannot be reached: the write is kept and sent to the host, in order, when it is back; it appears as a room event once the host accepts it (do not send it again)",
}
import { FederationClient } from './federation-client.ts'
import { FilesClient } from './files-client.ts'
import { MeetingsClient } from './meetings-client.ts'
import { AccountClient } from './account-client.ts'

export type ClientAuth = { token: string } | { guestSecret: string } | { csrfToken: string } | null

export type RestClientOptions = { baseUrl: string; auth?: ClientAuth; fetch?: typeof fetch }

export class ParleyClient {
  readonly baseUrl: string
  readonly #auth: ClientAuth
  readonly #fetch: typeof fetch
  #account: AccountClient | null = null
  #federation: FederationClient | null = null
  #files: FilesClient | null = null
  #meetings: MeetingsClient | null = null

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

  /** Registration, browser sessions, the profile and API tokens. */
  get account(): AccountClient {
    this.#account ??= new AccountClient(this)
    return this.#account
  }

  /** Fediverse accounts, follows, blocks, invitations and rooms on other instances. */
  get federation(): FederationClient {
    this.#federation ??= new FederationClient(this)
    return this.#federation
  }

  /** Shared files: upload (resumable, with progress), list, download. */
  get files(): FilesClient {
    this.#files ??= new FilesClient(this)
    return this.#files
  }

  /** Meetings: schedule, upcoming occurrences, answers, calendars and the private feed URL. */
  get meetings(): MeetingsClient {
    this.#meetings ??= new MeetingsClient(this)
    return this.#meetings
  }

  /**
   * A raw request with this client's authentication (for bodies that are not JSON and replies that
   * are not JSON: file chunks, downloads). The caller reads the Response. A network failure rejects
   * with ParleyApiError `server-unreachable` (an abort through `signal` stays an AbortError).
   */
  async send(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: RequestInit['body']; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers }
    const auth = this.#auth
    if (auth && 'token' in auth) headers.authorization = `Bearer ${auth.token}`
    else if (auth && 'guestSecret' in auth) headers.authorization = `Guest ${auth.guestSecret}`
    else if (auth && 'csrfToken' in auth) headers['x-csrf-token'] = auth.csrfToken
    try {
      return await this.#fetch(this.baseUrl + path, {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        ...(init.signal ? { signal: init.signal } : {}),
        credentials: 'include',
      })
    } catch (error) {
      if (init.signal?.aborted) throw error
      throw new ParleyApiError(
        0,
        { code: 'server-unreachable', message: `Cannot reach ${this.baseUrl}: ${(error as Error).message}` },
        { cause: error },
      )
    }
  }

  /** A chat write: a queued answer (202, room hosted elsewhere, host unreachable) is the `write-queued` error. */
  async #write<T extends object = MessageView>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.request<T | QueuedWrite>(method, path, body)
    if ('queued' in answer && answer.queued)
      throw new ParleyApiError(202, {
        code: 'write-queued',
        message: ErrorMessages.writeQueued,
        details: { roomId: answer.roomId, actionId: answer.actionId },
      })
    return answer as T
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const response = await this.send(method, path, {
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    let text: string
    try {
      text = await response.text()
    } catch (error) {
      throw new ParleyApiError(
        response.status,
        { code: 'server-unreachable', message: `The reply from ${this.baseUrl} was cut off` },
        { cause: error },
      )
    }
    if (!response.ok) throw ParleyApiError.fromReply(response.status, response.headers.get('content-type'), text)
    // Some replies carry only their status (204, or 201 for a new domain block, 200 for one kept).
    if (text === '') return undefined as T
    if (!response.headers.get('content-type')?.includes('json'))
      throw ParleyApiError.fromReply(response.status, response.headers.get('content-type'), text)
    try {
      return JSON.parse(text) as T
    } catch (error) {
      throw new ParleyApiError(
        response.status,
        { code: 'bad-gateway', message: 'The reply is not valid JSON: a proxy may have answered instead of Parley' },
        { cause: error },
      )
    }
  }

  me(): Promise<UserProfile> {
    return this.request('GET', '/api/v1/me')
  }

  /** The user directory (signed-in users): prefix of a username or display-name word; page on with `after: page.next`. */
  directory(query: DirectoryQuery = {}): Promise<DirectoryPage> {
    const params = new URLSearchParams(
      Object.entries(query)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)] as [string, string]),
    )
    return this.request('GET', `/api/v1/users${params.size > 0 ? `?${params}` : ''}`)
  }

  // Calls
  /** ICE servers with fresh TURN credentials for this user (they expire: fetch again before joining). */
  iceServers(): Promise<IceServers> {
    return this.request('GET', '/api/v1/calls/ice-servers')
  }
  recordings(roomId: string): Promise<RecordingList> {
    return this.request('GET', `/api/v1/rooms/${encodeURIComponent(roomId)}/recordings`)
  }
  /**
   * Where a recording's file is downloaded from (GET, ranges allowed): for a link in a page signed
   * in with the session cookie (`<a href download>`); with a token or guest secret, fetch it with
   * {@link ParleyClient.send} instead, which adds the credentials.
   */
  recordingUrl(roomId: string, recordingId: string): string {
    return `${this.baseUrl}/api/v1/rooms/${encodeURIComponent(roomId)}/recordings/${encodeURIComponent(recordingId)}`
  }
  /** Deletes a recording and its file (those who may record in the room). */
  deleteRecording(roomId: string, recordingId: string): Promise<void> {
    return this.request(
      'DELETE',
      `/api/v1/rooms/${encodeURIComponent(roomId)}/recordings/${encodeURIComponent(recordingId)}`,
    )
  }

  // Rooms
  /** My rooms, each with my unread count, unread mentions and its last message. */
  rooms(): Promise<MyRoomList> {
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
  /** Whom `@q…` may complete to in a room: its participants (remote ones too), then people from the directory. */
  mentionCandidates(roomId: string, q = '', limit?: number): Promise<MentionCandidates> {
    const params = new URLSearchParams({ q, ...(limit ? { limit: String(limit) } : {}) })
    return this.request('GET', `/api/v1/rooms/${enc(roomId)}/mention-candidates?${params}`)
  }
  /** The one-to-one room with a local person named by username or handle (`bob`, `@bob@this-host`). */
  oneToOneWith(person: string): Promise<RoomView> {
    return this.request('POST', '/api/v1/rooms/one-to-one', { user: person })
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
  /** Adds a local person named by username or handle (`bob`, `@bob@this-host`). */
  addPerson(roomId: string, person: string, role?: 'moderator' | 'member'): Promise<ParticipantView> {
    return this.request(
      'POST',
      `/api/v1/rooms/${enc(roomId)}/participants`,
      role ? { user: person, role } : { user: person },
    )
  }
  // A participant (`participant` below) is named by id (`actorId` of a ParticipantView), username
  // (`bob`) or handle (`@bob`, `@bob@this-host`, `@bob@other.example` for one who joined from there).
  /** Changes a participant's role or permissions (moderators). */
  updateParticipant(roomId: string, participant: string, input: ParticipantUpdate): Promise<ParticipantView> {
    return this.request('PATCH', `/api/v1/rooms/${enc(roomId)}/participants/${enc(participant)}`, input)
  }
  /** Removes a participant (moderators; guests lose their session). */
  removeParticipant(roomId: string, participant: string): Promise<void> {
    return this.request('DELETE', `/api/v1/rooms/${enc(roomId)}/participants/${enc(participant)}`)
  }
  /** Removes a participant and keeps them out (moderators). */
  ban(roomId: string, participant: string): Promise<void> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/participants/${enc(participant)}/ban`)
  }
  /** Lifts a ban (moderators): the person may be added or join again. */
  unban(roomId: string, participant: string): Promise<void> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/participants/${enc(participant)}/unban`)
  }
  /** Hands the room to another participant, a local user (owners); the caller becomes a moderator. */
  transferOwnership(roomId: string, participant: string): Promise<ParticipantView> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/owner`, { actorId: participant })
  }
  /** Lets someone waiting in the lobby in (moderators). */
  admit(roomId: string, participant: string): Promise<ParticipantView> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/participants/${enc(participant)}/admit`)
  }

  // Chat
  history(roomId: string, query: HistoryQuery = {}): Promise<HistoryPage> {
    const params = new URLSearchParams(
      Object.entries(query)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)] as [string, string]),
    )
    const qs = params.size > 0 ? `?${params}` : ''
    return this.request('GET', `/api/v1/rooms/${enc(roomId)}/messages${qs}`)
  }
  /**
   * Writes (post, edit, delete, react, unreact) resolve with the message. In a room hosted on
   * another instance (`RoomView.host`) whose host cannot be reached now, they reject with
   * ParleyApiError `write-queued` (status 202, details `{ roomId, actionId }`): the write is kept
   * and sent in order when the host is back, and shows as an ordinary room event then — do not
   * send it again.
   */
  post(roomId: string, body: string, replyTo?: number): Promise<MessageView> {
    return this.#write(
      'POST',
      `/api/v1/rooms/${enc(roomId)}/messages`,
      replyTo === undefined ? { body } : { body, replyTo },
    )
  }
  edit(roomId: string, seq: number, body: string): Promise<MessageView> {
    return this.#write('PATCH', `/api/v1/rooms/${enc(roomId)}/messages/${seq}`, { body })
  }
  deleteMessage(roomId: string, seq: number): Promise<MessageView> {
    return this.#write('DELETE', `/api/v1/rooms/${enc(roomId)}/messages/${seq}`)
  }
  react(roomId: string, seq: number, emoji: string): Promise<MessageView> {
    return this.#write('PUT', `/api/v1/rooms/${enc(roomId)}/messages/${seq}/reactions/${enc(emoji)}`)
  }
  unreact(roomId: string, seq: number, emoji: string): Promise<MessageView> {
    return this.#write('DELETE', `/api/v1/rooms/${enc(roomId)}/messages/${seq}/reactions/${enc(emoji)}`)
  }
  reactions(roomId: string, seq: number): Promise<ReactionList> {
    return this.request('GET', `/api/v1/rooms/${enc(roomId)}/messages/${seq}/reactions`)
  }
  markRead(roomId: string, seq: number): Promise<ReadState> {
    return this.request('POST', `/api/v1/rooms/${enc(roomId)}/read`, { seq })
  }
  /**
   * Polls (create, vote, close) are writes too: in a room hosted elsewhere whose host cannot be
   * reached now they reject with `write-queued`, like `post`.
   */
  createPoll(roomId: string, input: PollCreate): Promise<{ message: MessageView; poll: PollView }> {
    return this.#write('POST', `/api/v1/rooms/${enc(roomId)}/polls`, input)
  }
  poll(roomId: string, pollId: string): Promise<PollView> {
    return this.request('GET', `/api/v1/rooms/${enc(roomId)}/polls/${enc(pollId)}`)
  }
  vote(roomId: string, pollId: string, options: number[]): Promise<PollView> {
    return this.#write('POST', `/api/v1/rooms/${enc(roomId)}/polls/${enc(pollId)}/votes`, { options })
  }
  closePoll(roomId: string, pollId: string): Promise<PollView> {
    return this.#write('POST', `/api/v1/rooms/${enc(roomId)}/polls/${enc(pollId)}/close`)
  }
  /**
   * Searches the messages of my rooms, newest first: bare words match as prefixes (`rep` finds
   * "report"), `"quoted words"` as a phrase; `roomId` keeps to one room.
   */
  search(q: string, limit?: number, options: { roomId?: string } = {}): Promise<SearchResults> {
    const query = new URLSearchParams({
      q,
      ...(limit ? { limit: String(limit) } : {}),
      ...(options.roomId ? { roomId: options.roomId } : {}),
    })
    return this.request('GET', `/api/v1/rooms/search?${query}`)
  }
  notifications(): Promise<NotificationList> {
    return this.request('GET', '/api/v1/notifications')
  }
  markNotificationsRead(ids: string[]): Promise<void> {
    return this.request('POST', '/api/v1/notifications/read', { ids })
  }
}

const enc = encodeURIComponent
