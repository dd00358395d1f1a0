/**
 * The live room list: every room of the session with its last message, unread count and mentions
 * as the server counts them (`MyRoom.unreadCount`, `unreadMentions`, `lastMessage`). Realtime
 * events move an entry at once (a new message, a read marker); the exact counts are then taken
 * from the server again, so the badges never drift from what the server knows (expiry, deletes,
 * reads on another device). The room being looked at shows nothing unread: its messages are read
 * as they arrive.
 */
import type { MessageView, MyRoom, RoomView, ServerEvent } from '@parley/client/browser'
import type { Parley } from '@parley/client/browser'
import { Observable } from './observable.ts'

export type RoomEntry = {
  room: RoomView
  lastMessage: MessageView | null
  unread: number
  mentions: number
}

/** Events come in bursts (a busy room); one refresh of the list answers a burst. */
const REFRESH_DELAY_MS = 400

export class RoomListStore {
  readonly entries = new Observable<RoomEntry[]>([])
  readonly loaded = new Observable(false)
  readonly #parley: Parley
  readonly #actorId: () => string
  /** The room the person is looking at (its new messages are read as they come). */
  #open: string | null = null
  #refreshTimer: ReturnType<typeof setTimeout> | null = null
  /** Counts refreshes: an answer overtaken by a later refresh is stale and dropped. */
  #refreshes = 0
  /** Whether a room event came before the first list arrived (load() then reads the list again). */
  #eventsWhileLoading = false

  constructor(parley: Parley, who: { actorId: () => string }) {
    this.#parley = parley
    this.#actorId = who.actorId
  }

  async load(): Promise<void> {
    this.#eventsWhileLoading = false
    const { rooms } = await this.#parley.rest.rooms()
    this.entries.set(sort(rooms.map((room) => this.#entry(room))))
    this.loaded.set(true)
    // Events that came while the list was on its way had no entry to change: read it again once.
    if (this.#eventsWhileLoading) await this.refresh()
  }

  get(roomId: string): RoomEntry | undefined {
    return this.entries.get().find((e) => e.room.id === roomId)
  }

  setOpen(roomId: string | null): void {
    this.#open = roomId
    if (roomId) this.#patch(roomId, (e) => ({ ...e, unread: 0, mentions: 0 }))
  }

  /** A room joined or created here, or added by the server (room.added). */
  async add(roomId: string): Promise<RoomView | null> {
    const { rooms } = await this.#parley.rest.rooms().catch(() => ({ rooms: [] as MyRoom[] }))
    const mine = rooms.find((r) => r.id === roomId)
    const room = mine ?? (await this.#parley.rest.room(roomId).catch(() => null))
    if (!room) return null
    const entry = mine ? this.#entry(mine) : { room, lastMessage: null, unread: 0, mentions: 0 }
    this.entries.update((list) => sort([...list.filter((e) => e.room.id !== roomId), entry]))
    return entry.room
  }

  remove(roomId: string): void {
    this.entries.update((list) => list.filter((e) => e.room.id !== roomId))
  }

  replace(room: RoomView): void {
    this.#patch(room.id, (e) => ({ ...e, room }))
  }

  /** Takes every entry's counts and last message from the server again (after reconnecting too). */
  async refresh(): Promise<void> {
    const mine = ++this.#refreshes
    const { rooms } = await this.#parley.rest.rooms()
    if (mine !== this.#refreshes) return
    const fresh = new Map(rooms.map((r) => [r.id, this.#entry(r)]))
    this.entries.update((list) =>
      sort([...list.filter((e) => fresh.has(e.room.id)).map((e) => fresh.get(e.room.id) ?? e), ...newOnes(list, fresh)]),
    )
  }

  onEvent({ roomId, event }: ServerEvent): void {
    if (!this.loaded.get()) this.#eventsWhileLoading = true
    switch (event.type) {
      case 'message.new': {
        const m = event.message
        const counts = m.actor.id !== this.#actorId() && this.#open !== roomId && m.kind !== 'system'
        this.#patch(
          roomId,
          (e) => ({
            ...e,
            room: { ...e.room, lastSeq: Math.max(e.room.lastSeq, m.seq) },
            lastMessage: m,
            unread: e.unread + (counts ? 1 : 0),
          }),
          true,
        )
        // The server decides whether it mentions me (@name, @all, a reply is not one).
        if (counts) this.#refreshSoon()
        return
      }
      case 'message.edited':
      case 'message.deleted':
        this.#patch(roomId, (e) => (e.lastMessage?.seq === event.message.seq ? { ...e, lastMessage: event.message } : e))
        if (event.type === 'message.deleted') this.#refreshSoon()
        return
      case 'message.expired':
        this.#refreshSoon()
        return
      case 'room.updated':
        this.#patch(roomId, (e) => ({ ...e, room: followed(e.room, event.room) }))
        return
      case 'room.deleted':
        this.remove(roomId)
        return
      case 'read':
        if (event.actorId === this.#actorId()) {
          this.#patch(roomId, (e) =>
            e.room.me ? { ...e, room: { ...e.room, me: { ...e.room.me, lastReadSeq: event.lastReadSeq } } } : e,
          )
          if (this.#open !== roomId) this.#refreshSoon()
        }
        return
      case 'participant.updated':
        if (event.participant.actorId === this.#actorId())
          this.#patch(roomId, (e) =>
            e.room.me ? { ...e, room: { ...e.room, me: { ...e.room.me, ...event.participant } } } : e,
          )
        return
      default:
        return
    }
  }

  /**
   * A mention or reply was counted for me. The server writes it just after the message's event went
   * out, so a refresh that event started may have come too early to count it: take the counts again.
   */
  onNotification(): void {
    this.#refreshSoon()
  }

  close(): void {
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer)
    this.#refreshTimer = null
  }

  #refreshSoon(): void {
    if (this.#refreshTimer) return
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null
      this.refresh().catch((error: unknown) => console.warn('room list refresh failed', error))
    }, REFRESH_DELAY_MS)
  }

  #entry(mine: MyRoom): RoomEntry {
    const { unreadCount, unreadMentions, lastMessage, ...room } = mine
    const open = this.#open === room.id
    return { room, lastMessage, unread: open ? 0 : unreadCount, mentions: open ? 0 : unreadMentions }
  }

  #patch(roomId: string, change: (entry: RoomEntry) => RoomEntry, resort = false): void {
    this.entries.update((list) => {
      const next = list.map((e) => (e.room.id === roomId ? change(e) : e))
      return resort ? sort(next) : next
    })
  }
}

/**
 * A room as known to this person after a room.updated: the event carries the room's public view,
 * without their place in it (`me`) and, for a one-to-one room, without the name it has for them
 * (the other person's, which the server puts in their own views).
 */
export function followed(known: RoomView, updated: Omit<RoomView, 'me'>): RoomView {
  return { ...known, ...updated, me: known.me, name: known.kind === 'one-to-one' ? known.name : updated.name }
}

function newOnes(list: RoomEntry[], fresh: Map<string, RoomEntry>): RoomEntry[] {
  const known = new Set(list.map((e) => e.room.id))
  return [...fresh.values()].filter((e) => !known.has(e.room.id))
}

function activity(e: RoomEntry): string {
  return e.lastMessage?.createdAt ?? e.room.createdAt
}

function sort(entries: RoomEntry[]): RoomEntry[] {
  return [...entries].sort((a, b) => {
    const fav = Number(b.room.me?.favourite ?? false) - Number(a.room.me?.favourite ?? false)
    return fav !== 0 ? fav : activity(b).localeCompare(activity(a))
  })
}
