/**
 * Who has a realtime session open in which room, across every node of the instance: `welcome`'s
 * `online` list is read from here, and a person's last session (on any node) is what makes them
 * offline. One node keeps it in memory; several keep it in Redis — a hash per room, one field per
 * session (`<nodeId>/<sessionId>`) — and read past the fields of nodes whose heartbeat is gone
 * (call-lease.ts keeps one per node), so a crashed node's sessions do not stay online for ever.
 */
import type { Redis } from 'ioredis'
import { redisClass } from '../bus/ioredis.ts'
import type { ClusterCallLeases } from '../calls/call-lease.ts'

export type PresentActor = { type: 'user' | 'guest'; id: string; name: string }

export interface PresenceRegistry {
  /** Resolves once other nodes' reads see the session in the room. */
  add(roomId: string, sessionId: string, actor: PresentActor): Promise<void>
  remove(roomId: string, sessionId: string): Promise<void>
  /** Per room: each actor with at least one open session (once, however many sessions). */
  online(roomIds: string[]): Promise<Record<string, PresentActor[]>>
  close(): Promise<void>
}

export class LocalPresence implements PresenceRegistry {
  readonly #rooms = new Map<string, Map<string, PresentActor>>()

  async add(roomId: string, sessionId: string, actor: PresentActor): Promise<void> {
    let sessions = this.#rooms.get(roomId)
    if (!sessions) this.#rooms.set(roomId, (sessions = new Map()))
    sessions.set(sessionId, actor)
  }

  async remove(roomId: string, sessionId: string): Promise<void> {
    const sessions = this.#rooms.get(roomId)
    if (sessions?.delete(sessionId) && sessions.size === 0) this.#rooms.delete(roomId)
  }

  async online(roomIds: string[]): Promise<Record<string, PresentActor[]>> {
    const out: Record<string, PresentActor[]> = {}
    for (const roomId of roomIds) out[roomId] = dedupe(this.#rooms.get(roomId)?.values() ?? [])
    return out
  }

  async close(): Promise<void> {
    this.#rooms.clear()
  }
}

export class RedisPresence implements PresenceRegistry {
  readonly #redis: Redis
  readonly #prefix: string
  readonly #leases: Pick<ClusterCallLeases, 'nodeId' | 'alive'>
  /** This node's fields, removed on a clean stop. */
  readonly #mine = new Map<string, Set<string>>()
  readonly #onError: (error: unknown) => void
  #closed = false

  constructor(options: {
    url: string
    prefix: string
    leases: Pick<ClusterCallLeases, 'nodeId' | 'alive'>
    onError: (error: unknown) => void
  }) {
    this.#redis = new (redisClass())(options.url, { maxRetriesPerRequest: 3 })
    this.#onError = options.onError
    this.#redis.on('error', options.onError)
    this.#prefix = options.prefix
    this.#leases = options.leases
  }

  #key(roomId: string): string {
    return `${this.#prefix}presence:${roomId}`
  }

  #field(sessionId: string): string {
    return `${this.#leases.nodeId}/${sessionId}`
  }

  async add(roomId: string, sessionId: string, actor: PresentActor): Promise<void> {
    if (this.#closed) return
    let fields = this.#mine.get(roomId)
    if (!fields) this.#mine.set(roomId, (fields = new Set()))
    fields.add(this.#field(sessionId))
    await this.#redis.hset(this.#key(roomId), this.#field(sessionId), JSON.stringify(actor))
  }

  async remove(roomId: string, sessionId: string): Promise<void> {
    const fields = this.#mine.get(roomId)
    fields?.delete(this.#field(sessionId))
    if (fields?.size === 0) this.#mine.delete(roomId)
    if (this.#closed) return
    await this.#redis.hdel(this.#key(roomId), this.#field(sessionId))
  }

  async online(roomIds: string[]): Promise<Record<string, PresentActor[]>> {
    const out: Record<string, PresentActor[]> = {}
    if (roomIds.length === 0) return out
    const batch = this.#redis.pipeline()
    for (const roomId of roomIds) batch.hgetall(this.#key(roomId))
    const replies = (await batch.exec()) ?? []
    const perRoom = roomIds.map((_, i) => {
      const [error, value] = replies[i] ?? [null, {}]
      if (error) throw error
      return Object.entries((value ?? {}) as Record<string, string>)
    })
    const nodes = new Set(perRoom.flatMap((entries) => entries.map(([field]) => field.slice(0, field.indexOf('/')))))
    nodes.delete(this.#leases.nodeId)
    const alive = await this.#leases.alive(nodes)
    alive.add(this.#leases.nodeId)
    roomIds.forEach((roomId, i) => {
      const live = (perRoom[i] ?? []).filter(([field]) => alive.has(field.slice(0, field.indexOf('/'))))
      out[roomId] = dedupe(live.map(([, value]) => JSON.parse(value) as PresentActor))
    })
    return out
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const batch = this.#redis.pipeline()
    for (const [roomId, fields] of this.#mine) if (fields.size > 0) batch.hdel(this.#key(roomId), ...fields)
    this.#mine.clear()
    // A node that cannot reach Redis at its stop leaves its fields: its heartbeat expires and readers skip them.
    await batch.exec().catch(this.#onError)
    await this.#redis.quit().catch(this.#onError)
  }
}

function dedupe(actors: Iterable<PresentActor>): PresentActor[] {
  const seen = new Map<string, PresentActor>()
  for (const actor of actors) seen.set(actor.id, actor)
  return [...seen.values()]
}
