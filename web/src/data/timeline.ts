/**
 * One room's timeline: its messages (loaded newest first, older pages on demand), participants with
 * their read markers, polls and who is typing, all kept current from realtime events.
 */
import type { Actor, MessageView, ParticipantView, PollView, ServerEvent, ServerTyping } from '@parley/client/browser'
import type { Parley } from '@parley/client/browser'
import { Observable } from './observable.ts'

export type TimelineState = {
  messages: MessageView[]
  hasOlder: boolean
  loaded: boolean
  participants: ParticipantView[]
  polls: Record<string, PollView>
}

const PAGE = 50
/** A typing notice lasts this long unless renewed (the sender renews it while typing). */
const TYPING_TTL_MS = 6000

export class Timeline {
  readonly roomId: string
  readonly state = new Observable<TimelineState>({
    messages: [],
    hasOlder: false,
    loaded: false,
    participants: [],
    polls: {},
  })
  readonly typing = new Observable<Actor[]>([])
  readonly #parley: Parley
  readonly #typingTimers = new Map<string, ReturnType<typeof setTimeout>>()
  #loadingOlder: Promise<void> | null = null
  #opened: Promise<void> | null = null
  /** Messages that came as events while a reload's page was on its way (newer than what it read). */
  #arriving: Map<number, MessageView> | null = null

  constructor(parley: Parley, roomId: string) {
    this.#parley = parley
    this.roomId = roomId
  }

  /** Loads the first page once; a failed load is tried again by the next open(). */
  open(): Promise<void> {
    this.#opened ??= this.reload().catch((error: unknown) => {
      this.#opened = null
      throw error
    })
    return this.#opened
  }

  async reload(): Promise<void> {
    const rest = this.#parley.rest
    const arriving = new Map<number, MessageView>()
    this.#arriving = arriving
    const [page, participants] = await Promise.all([
      rest.history(this.roomId, { limit: PAGE }),
      rest.participants(this.roomId).catch(() => ({ participants: [] as ParticipantView[] })),
    ]).finally(() => {
      if (this.#arriving === arriving) this.#arriving = null
    })
    this.state.update((s) => ({
      ...s,
      // A message posted while the page was read would otherwise vanish until the next reload.
      messages: merge(page.messages, [...arriving.values()]),
      hasOlder: page.hasOlder,
      loaded: true,
      participants: participants.participants,
    }))
  }

  /** The page before the oldest loaded message (infinite scroll upwards). */
  loadOlder(): Promise<void> {
    const first = this.state.get().messages[0]
    if (!first || !this.state.get().hasOlder) return Promise.resolve()
    this.#loadingOlder ??= this.#parley.rest
      .history(this.roomId, { before: first.seq, limit: PAGE })
      .then((page) =>
        this.state.update((s) => ({ ...s, messages: merge(page.messages, s.messages), hasOlder: page.hasOlder })),
      )
      .finally(() => {
        this.#loadingOlder = null
      })
    return this.#loadingOlder
  }

  async poll(pollId: string): Promise<PollView> {
    const known = this.state.get().polls[pollId]
    if (known) return known
    const poll = await this.#parley.rest.poll(this.roomId, pollId)
    this.state.update((s) => ({ ...s, polls: { ...s.polls, [poll.id]: poll } }))
    return poll
  }

  setPoll(poll: PollView): void {
    this.state.update((s) => ({ ...s, polls: { ...s.polls, [poll.id]: poll } }))
  }

  /** A message this client posted or changed: shown at once (the event that follows is the same view). */
  upsert(message: MessageView): void {
    this.#arriving?.set(message.seq, message)
    this.state.update((s) => ({ ...s, messages: merge(s.messages, [message]) }))
  }

  onEvent({ event }: ServerEvent): void {
    switch (event.type) {
      case 'message.new':
      case 'message.edited':
      case 'message.deleted':
        this.upsert(event.message)
        this.#stopTyping(event.message.actor.id)
        return
      case 'message.expired':
        // Gone everywhere at its expiresAt: drop it from the open timeline too.
        this.#arriving?.delete(event.messageSeq)
        this.state.update((s) => ({ ...s, messages: s.messages.filter((m) => m.seq !== event.messageSeq) }))
        return
      case 'reaction.added':
      case 'reaction.removed': {
        const delta = event.type === 'reaction.added' ? 1 : -1
        this.state.update((s) => ({
          ...s,
          messages: s.messages.map((m) => (m.seq === event.messageSeq ? withReaction(m, event.emoji, delta) : m)),
        }))
        return
      }
      case 'read':
        this.#patchParticipant(event.actorId, (p) => ({ ...p, lastReadSeq: event.lastReadSeq }))
        return
      case 'participant.joined':
      case 'participant.updated':
        this.state.update((s) => ({
          ...s,
          participants: [...s.participants.filter((p) => p.actorId !== event.participant.actorId), event.participant],
        }))
        return
      case 'participant.left':
        this.state.update((s) => ({ ...s, participants: s.participants.filter((p) => p.actorId !== event.actorId) }))
        return
      case 'poll.updated':
        this.setPoll(event.poll)
        return
      default:
        return
    }
  }

  onTyping({ actor, typing }: ServerTyping): void {
    if (!typing) return this.#stopTyping(actor.id)
    clearTimeout(this.#typingTimers.get(actor.id))
    this.#typingTimers.set(
      actor.id,
      setTimeout(() => this.#stopTyping(actor.id), TYPING_TTL_MS),
    )
    this.typing.update((list) => (list.some((a) => a.id === actor.id) ? list : [...list, actor]))
  }

  close(): void {
    for (const timer of this.#typingTimers.values()) clearTimeout(timer)
    this.#typingTimers.clear()
  }

  #stopTyping(actorId: string): void {
    clearTimeout(this.#typingTimers.get(actorId))
    this.#typingTimers.delete(actorId)
    this.typing.update((list) => (list.some((a) => a.id === actorId) ? list.filter((a) => a.id !== actorId) : list))
  }

  #patchParticipant(actorId: string, change: (p: ParticipantView) => ParticipantView): void {
    this.state.update((s) => ({
      ...s,
      participants: s.participants.map((p) => (p.actorId === actorId ? change(p) : p)),
    }))
  }
}

function merge(a: MessageView[], b: MessageView[]): MessageView[] {
  const bySeq = new Map<number, MessageView>()
  for (const m of a) bySeq.set(m.seq, m)
  for (const m of b) bySeq.set(m.seq, m)
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq)
}

function withReaction(m: MessageView, emoji: string, delta: number): MessageView {
  const existing = m.reactions.find((r) => r.emoji === emoji)
  const reactions = existing
    ? m.reactions.map((r) => (r.emoji === emoji ? { ...r, count: r.count + delta } : r)).filter((r) => r.count > 0)
    : delta > 0
      ? [...m.reactions, { emoji, count: 1 }]
      : m.reactions
  return { ...m, reactions }
}
