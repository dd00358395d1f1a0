/**
 * Who runs each room's call. With several nodes, exactly one node owns a room's call (its Call
 * object, participants and media router); the others forward their sessions' call frames to it
 * (call-forwarding.ts). Ownership is a lease: taken when a node starts the call, renewed while the
 * call lives, released when it ends; a dead owner's lease simply expires, and the next join
 * anywhere starts a fresh call.
 *
 * Two implementations: `InMemoryCallLeases` for one node (embedded mode, in-process bus — no timer,
 * no I/O, every claim is ours), and `RedisCallLeases` for a cluster (SET NX PX on the Redis the bus
 * uses). The Redis one also keeps a heartbeat key per node, so a node can tell whether the owner of
 * a call its sessions are in (or the node of a remote participant) is still alive.
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { redisClass } from '../bus/ioredis.ts'

export interface CallLeases {
  /** This node's id: the value a lease holds. */
  readonly nodeId: string
  /** Takes the room's lease unless another node holds it; resolves to the holder's node id (ours when taken or already held). */
  claim(roomId: string): Promise<string>
  /** The node holding the room's lease, if any. */
  holder(roomId: string): Promise<string | null>
  /** Gives the room's lease up, only if this node holds it. */
  release(roomId: string): Promise<void>
}

/**
 * What a cluster needs besides claiming: a heartbeat per node, renewal, and liveness of other nodes.
 * Renew every `leaseMs / 3`: a node's heartbeat lives two thirds of the lease (one missed renewal
 * is tolerated), so a dead node is noticed within the lease time, and its calls' leases are free
 * again by then too.
 */
export interface ClusterCallLeases extends CallLeases {
  readonly leaseMs: number
  /** Announces this node alive; call before forwarding anything. */
  open(): Promise<void>
  /** Renews this node's heartbeat and every lease it holds; resolves to the rooms whose lease was lost. */
  renew(): Promise<string[]>
  /** Which of these nodes still have a live heartbeat. */
  alive(nodeIds: Iterable<string>): Promise<Set<string>>
  /**
   * Takes the room's lease from a node whose heartbeat is gone (its lease may outlive it by up to a
   * third of the lease time); resolves to the holder afterwards, as claim().
   */
  takeOver(roomId: string, deadNode: string): Promise<string>
  /** Releases every lease and the heartbeat (a clean stop: others need not wait for expiry). Idempotent. */
  close(): Promise<void>
}

/** One node: there is nobody to share calls with, so every claim succeeds and nothing runs. */
export class InMemoryCallLeases implements CallLeases {
  readonly nodeId: string
  readonly #held = new Set<string>()

  constructor(nodeId = 'local') {
    this.nodeId = nodeId
  }

  async claim(roomId: string): Promise<string> {
    this.#held.add(roomId)
    return this.nodeId
  }

  async holder(roomId: string): Promise<string | null> {
    return this.#held.has(roomId) ? this.nodeId : null
  }

  async release(roomId: string): Promise<void> {
    this.#held.delete(roomId)
  }
}

export type RedisCallLeasesOptions = {
  url: string
  /** Key prefix: the bus's, so deployments (and test runs) sharing one Redis stay apart. */
  prefix: string
  /** Default: a random id (a restarted node is a new node). */
  nodeId?: string
  /** How long a lease (and a node's heartbeat) lives without renewal. */
  leaseMs: number
  onError?: (error: unknown) => void
}

// Each is one round trip, so a session's claims and lookups come back in the order they were sent.
const CLAIM = `local ok = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
if ok then return ARGV[1] end
return redis.call('GET', KEYS[1])`
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`
const TAKE_OVER = `local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[3] then return holder end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]`
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

export class RedisCallLeases implements ClusterCallLeases {
  readonly nodeId: string
  readonly leaseMs: number
  readonly #redis: Redis
  readonly #prefix: string
  readonly #held = new Set<string>()
  readonly #onError: (error: unknown) => void
  #closed = false

  constructor(options: RedisCallLeasesOptions) {
    if (!(options.leaseMs >= 100)) throw new TypeError('RedisCallLeases: leaseMs must be at least 100')
    this.nodeId = options.nodeId || randomUUID()
    this.leaseMs = options.leaseMs
    this.#prefix = options.prefix
    this.#redis = new (redisClass())(options.url, { maxRetriesPerRequest: 3 })
    this.#onError = options.onError ?? (() => {})
    this.#redis.on('error', (error: unknown) => this.#onError(error))
  }

  #leaseKey(roomId: string): string {
    return `${this.#prefix}call-lease:${roomId}`
  }

  #nodeKey(nodeId: string): string {
    return `${this.#prefix}node:${nodeId}`
  }

  get #heartbeatMs(): number {
    return Math.round((this.leaseMs * 2) / 3)
  }

  async open(): Promise<void> {
    await this.#redis.set(this.#nodeKey(this.nodeId), '1', 'PX', this.#heartbeatMs)
  }

  async claim(roomId: string): Promise<string> {
    const holder = (await this.#redis.eval(CLAIM, 1, this.#leaseKey(roomId), this.nodeId, this.leaseMs)) as
      string | null
    if (holder === this.nodeId) this.#held.add(roomId)
    // The key expired between SET and GET: nobody holds it, try once more.
    return holder ?? this.claim(roomId)
  }

  async holder(roomId: string): Promise<string | null> {
    return await this.#redis.get(this.#leaseKey(roomId))
  }

  async takeOver(roomId: string, deadNode: string): Promise<string> {
    const holder = (await this.#redis.eval(
      TAKE_OVER,
      1,
      this.#leaseKey(roomId),
      this.nodeId,
      this.leaseMs,
      deadNode,
    )) as string
    if (holder === this.nodeId) this.#held.add(roomId)
    return holder
  }

  async release(roomId: string): Promise<void> {
    this.#held.delete(roomId)
    if (this.#closed) return
    await this.#redis.eval(RELEASE, 1, this.#leaseKey(roomId), this.nodeId)
  }

  async renew(): Promise<string[]> {
    const rooms = [...this.#held]
    const batch = this.#redis.pipeline().set(this.#nodeKey(this.nodeId), '1', 'PX', this.#heartbeatMs)
    for (const roomId of rooms) batch.eval(RENEW, 1, this.#leaseKey(roomId), this.nodeId, this.leaseMs)
    const results = (await batch.exec()) ?? []
    const lost: string[] = []
    rooms.forEach((roomId, i) => {
      const [error, renewed] = results[i + 1] ?? [null, 0]
      if (error || renewed !== 1) {
        lost.push(roomId)
        this.#held.delete(roomId)
      }
    })
    return lost
  }

  async alive(nodeIds: Iterable<string>): Promise<Set<string>> {
    const ids = [...new Set(nodeIds)]
    if (ids.length === 0) return new Set()
    const batch = this.#redis.pipeline()
    for (const id of ids) batch.exists(this.#nodeKey(id))
    const results = (await batch.exec()) ?? []
    // A failed lookup counts as alive: only a missing heartbeat is proof of death.
    return new Set(
      ids.filter((_, i) => {
        const [error, exists] = results[i] ?? [null, 0]
        return error !== null || exists === 1
      }),
    )
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const batch = this.#redis.pipeline().del(this.#nodeKey(this.nodeId))
    for (const roomId of this.#held) batch.eval(RELEASE, 1, this.#leaseKey(roomId), this.nodeId)
    this.#held.clear()
    // Unreleased leases expire with their TTL; the failure still shows (another node waits until then).
    await batch.exec().catch((error: unknown) => this.#onError(error))
    // Quitting a connection that is already broken has nothing left to report.
    await this.#redis.quit().catch(() => undefined)
  }
}
