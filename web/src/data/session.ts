/**
 * The signed-in (or guest) session of the web client: the SDK's `Parley` entry point and the stores
 * the screens read — connection state, the room list, timelines, drafts and notifications. The only
 * place that listens to the SDK's realtime events and routes them to the stores.
 */
import type {
  Actor,
  ConnectionState,
  GuestSession,
  Parley,
  RoomRemovedReason,
  UserProfile,
} from '@parley/client/browser'
import { Observable } from './observable.ts'
import { RoomListStore } from './room-list.ts'
import { Timeline } from './timeline.ts'
import { Drafts } from './drafts.ts'
import { Notifier } from './notifier.ts'
import { Uploads } from './uploads.ts'
import { PresenceStore } from './presence.ts'
import { AvatarBook } from './avatars.ts'
import { MeetingsNow } from './meetings-now.ts'
import { RunningCalls } from './running-calls.ts'

export type Identity =
  | { kind: 'user'; profile: UserProfile }
  | { kind: 'guest'; guestId: string; displayName: string; roomId: string }

export class AppSession {
  readonly parley: Parley
  readonly identity: Observable<Identity>
  readonly connection: Observable<ConnectionState>
  readonly rooms: RoomListStore
  readonly drafts: Drafts
  readonly notifier: Notifier
  readonly uploads: Uploads
  readonly presence = new PresenceStore()
  readonly avatars: AvatarBook
  /** Room ids the server added this session to (room.added): someone in a lobby waits for their room here. */
  readonly admitted = new Observable<ReadonlySet<string>>(new Set())
  /**
   * Rooms the server took from this session (room.removed) and not given back since, with why
   * (null when it did not say): a room's screen, or a guest's page, says so at once.
   */
  readonly removed = new Observable<ReadonlyMap<string, RoomRemovedReason | null>>(new Map())
  /** Why the server ended this session for good (its `bye`), e.g. `session-ended`; null while it lasts. */
  readonly ended = new Observable<string | null>(null)
  readonly invitationsChanged = new Observable(0)
  /** Rooms whose shared files changed (a file message came, a message went), by room id: a change count. */
  readonly filesChanged = new Observable<ReadonlyMap<string, number>>(new Map())
  readonly calls = new RunningCalls()
  readonly meetingsNow: MeetingsNow
  readonly #timelines = new Map<string, Timeline>()
  readonly #offs: (() => void)[] = []

  constructor(parley: Parley, identity: Identity) {
    this.parley = parley
    this.identity = new Observable(identity)
    this.connection = new Observable<ConnectionState>(parley.state)
    this.rooms = new RoomListStore(parley, { actorId: () => this.actorId })
    this.avatars = new AvatarBook(parley, () => this.actorId)
    if (identity.kind === 'user') this.avatars.set([[identity.profile.id, identity.profile.avatarUrl]])
    this.drafts = new Drafts(identity.kind === 'user' ? identity.profile.id : identity.guestId)
    this.notifier = new Notifier()
    this.meetingsNow = new MeetingsNow(parley)
    this.uploads = new Uploads(parley, (message) => this.timeline(message.roomId).upsert(message))
    this.#wire()
  }

  static forGuest(parley: Parley, guest: GuestSession): AppSession {
    return new AppSession(parley, {
      kind: 'guest',
      guestId: guest.guestId,
      displayName: guest.displayName,
      roomId: guest.room.id,
    })
  }

  get actorId(): string {
    const id = this.identity.get()
    return id.kind === 'user' ? id.profile.id : id.guestId
  }

  get actor(): Actor {
    const id = this.identity.get()
    return id.kind === 'user'
      ? { type: 'user', id: id.profile.id, name: id.profile.displayName }
      : { type: 'guest', id: id.guestId, name: id.displayName }
  }

  async start(): Promise<void> {
    const welcomed = this.parley.connect()
    if (this.identity.get().kind === 'user') {
      // The list is read once the realtime connection follows the rooms (welcome): read earlier, a
      // change made between that read and the welcome (a rename) would reach neither.
      await welcomed
      await this.rooms.load()
      this.#loadMeetingsNow()
      if (this.identity.get().kind === 'user')
        this.parley.account.status().then(
          (status) => this.presence.mine.set(status),
          (error: unknown) => console.warn('my status could not be loaded', error),
        )
      // One-to-one rooms show the other person's picture in the list.
      for (const entry of this.rooms.entries.get().filter((e) => e.room.kind === 'one-to-one').slice(0, 30))
        void this.avatars.loadRoom(entry.room.id)
    } else await welcomed
  }

  /** Whether this session is a signed-in user's (guests have no directory, status or avatar). */
  get isUser(): boolean {
    return this.identity.get().kind === 'user'
  }

  timeline(roomId: string): Timeline {
    let timeline = this.#timelines.get(roomId)
    if (!timeline) this.#timelines.set(roomId, (timeline = new Timeline(this.parley, roomId)))
    return timeline
  }

  setProfile(profile: UserProfile): void {
    this.identity.set({ kind: 'user', profile })
    this.avatars.set([[profile.id, profile.avatarUrl]])
  }

  async signOut(): Promise<void> {
    await this.parley.signOut().catch(() => this.parley.close())
    this.close()
  }

  close(): void {
    for (const off of this.#offs.splice(0)) off()
    this.rooms.close()
    this.meetingsNow.close()
    for (const t of this.#timelines.values()) t.close()
    this.parley.close()
  }

  /** Meetings are a signed-in person's (guests have no agenda). */
  #loadMeetingsNow(): void {
    if (this.identity.get().kind === 'user')
      this.meetingsNow.load().catch((error: unknown) => console.warn('the meetings on now could not be loaded', error))
  }

  #profile(): UserProfile | null {
    const id = this.identity.get()
    return id.kind === 'user' ? id.profile : null
  }

  /** Added to a room or waiting in its lobby again: an earlier removal no longer stands, and it is listed. */
  #backIn(roomId: string): void {
    if (this.removed.get().has(roomId))
      this.removed.update((map) => new Map([...map].filter(([id]) => id !== roomId)))
    if (this.identity.get().kind === 'user') void this.rooms.add(roomId)
  }

  #wire(): void {
    const p = this.parley
    this.#offs.push(
      p.on('state', (state) => this.connection.set(state)),
      p.on('welcome', (welcome) => {
        this.presence.onWelcome(welcome)
        this.calls.onWelcome(welcome)
        // After a reconnect: what came while away is counted by the server.
        if (this.rooms.loaded.get()) {
          void this.rooms.refresh().catch((e: unknown) => console.warn(e))
          this.#loadMeetingsNow()
        }
      }),
      p.on('call', (frame) => this.calls.onCall(frame)),
      p.on('presence', (frame) => this.presence.onPresence(frame)),
      p.on('status', (frame) => this.presence.mine.set(frame.status)),
      p.on('event', (frame) => {
        this.rooms.onEvent(frame)
        const type = frame.event.type
        if (type === 'participant.joined' || type === 'participant.updated') this.avatars.forgetRoom(frame.roomId)
        this.#timelines.get(frame.roomId)?.onEvent(frame)
        const event = frame.event
        if (
          (event.type === 'message.new' && event.message.file) ||
          event.type === 'message.deleted' ||
          event.type === 'message.expired'
        )
          this.filesChanged.update((changed) => new Map(changed).set(frame.roomId, (changed.get(frame.roomId) ?? 0) + 1))
        if (frame.event.type === 'message.new' && !frame.replay) {
          const profile = this.#profile()
          const entry = this.rooms.get(frame.roomId)
          if (profile && entry && frame.event.message.actor.id !== profile.id)
            this.notifier.onMessage(frame.event.message, entry.room, profile.username)
        }
      }),
      p.on('typing', (frame) => {
        if (frame.actor.id !== this.actorId) this.#timelines.get(frame.roomId)?.onTyping(frame)
      }),
      p.on('resync', ({ roomId }) => {
        this.#timelines.get(roomId)?.reload().catch((e: unknown) => console.warn('the room could not be read again', e))
      }),
      p.on('room.added', ({ roomId }) => {
        this.admitted.update((set) => new Set([...set, roomId]))
        this.#backIn(roomId)
        this.#timelines.get(roomId)?.reload().catch((e: unknown) => console.warn('the room could not be read again', e))
      }),
      // Waiting in a lobby, perhaps from another device: the room list shows it as waiting.
      p.on('room.waiting', ({ roomId }) => this.#backIn(roomId)),
      p.on('room.removed', ({ roomId, reason }) => {
        this.rooms.remove(roomId)
        this.removed.update((map) => new Map(map).set(roomId, reason ?? null))
      }),
      p.on('bye', ({ reason }) => this.ended.set(reason)),
      p.on('invitation.received', () => this.invitationsChanged.update((n) => n + 1)),
      p.on('notification', () => this.rooms.onNotification()),
      p.on('meeting.reminder', (frame) => this.notifier.onMeeting(frame)),
      p.on('meeting.started', (frame) => {
        this.meetingsNow.onStarted(frame)
        this.notifier.onMeeting(frame)
      }),
    )
  }
}
