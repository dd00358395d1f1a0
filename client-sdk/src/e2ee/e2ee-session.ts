/**
 * The keys of one participant in one end-to-end encrypted call (spec/realtime.md, "End-to-end
 * encrypted calls"). Owns this participant's media key and the keys received from the others, and
 * rotates its own:
 *
 * - at the start, a random 16-byte key (KID 0) goes to everyone in the call;
 * - when someone joins, the next ratchet step (HKDF of the current key, KID + 1) goes to the
 *   newcomer only; the others derive it themselves (they hold the current key), and the newcomer
 *   cannot derive any earlier key — it cannot read what was sent before it joined. It is used at once;
 * - when someone leaves, a new random key (next generation: KID = generation × 256) goes to everyone
 *   still there; the sender switches to it once all of them acknowledged it (`call.key-ack`) or
 *   after `switchTimeoutMs`, so nobody loses frames at the switch, and from then on the one who left
 *   cannot decrypt anything — no key it held leads to the new one. Receivers keep a sender's few
 *   latest keys so frames sent just before a switch still decrypt, and its next ratchet step ready:
 *   a sender ratchets the moment it hears of a join, and a receiver that hears of it a little later
 *   (or not before the first frames under the new key) must not drop those frames meanwhile. The
 *   step ahead reveals nothing: whoever holds a key can derive the next one anyway.
 *
 * Rotations of the own key run one at a time, in the order of the call's joins and leaves. The
 * media side (the encryption worker) is behind `E2eeMediaSink`; messages go out through `sendKeys`
 * and `sendAcks`. Nothing here touches the DOM, so it runs (and is tested) in Node too.
 */
import type { CallE2eeKey, CallParticipantView } from '@parley/protocol'
import { frameCrypto, type FrameKey, type WebCryptoKey } from './frame-crypto.ts'
import { openKey, sealKey, verificationCode, wrappingKey, type E2eeKeyPair } from './key-exchange.ts'

export type E2eeMediaSink = {
  /** Encrypt from now on with this key. */
  setSendKey(kid: number, key: FrameKey): void
  setReceiveKey(participantId: string, kid: number, key: FrameKey): void
  /** The participant left: drop its keys. */
  forget(participantId: string): void
}

export type E2eePeerState = {
  participantId: string
  actor: CallParticipantView['actor']
  /** Its media key arrived, encrypted for this participant. */
  keyReceived: boolean
  /** Frames from it decrypt (reported by the media side). */
  decrypting: boolean
}

export type E2eeState = {
  /** Every frame this client sends is encrypted, and it decrypts only encrypted frames. */
  enabled: true
  /** Compare it out of band with the others': equal codes mean nobody sits in the middle. */
  verificationCode: string
  /** The key id this client encrypts with now. */
  kid: number
  /** Everyone else in the call, and whether their encrypted media reaches this client. */
  participants: E2eePeerState[]
}

export type E2eeKeyMaterial = {
  sending: { kid: number; key: Uint8Array }
  received: { participantId: string; kid: number; key: Uint8Array }[]
}

export type E2eeSessionDeps = {
  callId: string
  self: { participantId: string; actorId: string }
  keyPair: E2eeKeyPair
  media: E2eeMediaSink
  sendKeys(keys: { to: string; key: CallE2eeKey }[]): void
  sendAcks(acks: { to: string; kid: number }[]): void
  /** State changed (keys, verification code, who decrypts). */
  changed(): void
  error(error: Error): void
  /** How long a new key waits for acknowledgements before it is used anyway (default 2000 ms). */
  switchTimeoutMs?: number
}

type Peer = {
  view: CallParticipantView
  wrapping: Promise<WebCryptoKey> | null
  keys: Map<number, Uint8Array>
  keyReceived: boolean
  decrypting: boolean
}

/** Keys kept per sender: the current one and those just before it (frames still in flight). */
const KEPT_KEYS = 4
/** How far ahead of a known key a receiver ratchets on its own. */
const MAX_RATCHET_AHEAD = 16
const RATCHETS_PER_GENERATION = 256
const generationOf = (kid: number) => Math.floor(kid / RATCHETS_PER_GENERATION)

export class E2eeSession {
  readonly #deps: E2eeSessionDeps
  readonly #fc = frameCrypto()
  readonly #peers = new Map<string, Peer>()
  /** Keys from participants this client does not know yet (their join is still on its way). */
  readonly #early = new Map<string, CallE2eeKey[]>()
  #own: { kid: number; base: Uint8Array } = { kid: -1, base: new Uint8Array(0) }
  #pending: { kid: number; waiting: Set<string>; done: () => void } | null = null
  #chain: Promise<void> = Promise.resolve()
  #acks: { to: string; kid: number }[] = []
  #code = ''
  #codeVersion = 0
  #codeReady: Promise<void> = Promise.resolve()
  /** Key work started outside the rotation chain (early keys, ratchets ahead). */
  readonly #work = new Set<Promise<void>>()
  #closed = false

  constructor(deps: E2eeSessionDeps) {
    this.#deps = deps
  }

  /** Starts with the call's participants (call.joined): makes the first key and sends it to everyone. */
  start(participants: readonly CallParticipantView[]): Promise<void> {
    for (const view of participants) if (view.participantId !== this.#deps.self.participantId) this.#addPeer(view)
    this.#refreshCode()
    return this.#serial(async () => {
      const base = crypto.getRandomValues(new Uint8Array(this.#fc.BASE_KEY_BYTES))
      await this.#use(0, base)
      await this.#sendOwn([...this.#peers.keys()])
    })
  }

  state(): E2eeState {
    return {
      enabled: true,
      verificationCode: this.#code,
      kid: this.#own.kid,
      participants: [...this.#peers.values()].map((p) => ({
        participantId: p.view.participantId,
        actor: { ...p.view.actor },
        keyReceived: p.keyReceived,
        decrypting: p.decrypting,
      })),
    }
  }

  /** The key material this client holds now (its own memory; for checks such as the media tests). */
  keyMaterial(): E2eeKeyMaterial {
    return {
      sending: { kid: this.#own.kid, key: this.#own.base.slice() },
      received: [...this.#peers.entries()].flatMap(([participantId, peer]) =>
        [...peer.keys.entries()].map(([kid, key]) => ({ participantId, kid, key: key.slice() })),
      ),
    }
  }

  participantJoined(view: CallParticipantView): void {
    if (this.#closed || view.participantId === this.#deps.self.participantId) return
    if (this.#peers.has(view.participantId)) return
    this.#addPeer(view)
    this.#refreshCode()
    // The others ratchet now too (to the step already held): get the one after it ready.
    for (const [participantId, peer] of this.#peers) {
      if (participantId === view.participantId || peer.keys.size === 0) continue
      const latest = Math.max(...peer.keys.keys())
      this.#track(this.#ratchetTo(participantId, latest + 1))
    }
    void this.#serial(async () => {
      if (!this.#peers.has(view.participantId)) return
      if ((this.#own.kid % RATCHETS_PER_GENERATION) + 1 >= RATCHETS_PER_GENERATION) return this.#renew()
      await this.#use(this.#own.kid + 1, await this.#fc.ratchet(this.#own.base))
      await this.#sendOwn([view.participantId])
    })
    for (const key of this.#early.get(view.participantId) ?? []) this.#track(this.receiveKey(view.participantId, key))
    this.#early.delete(view.participantId)
  }

  participantLeft(participantId: string): void {
    if (this.#closed || !this.#peers.delete(participantId)) return
    this.#deps.media.forget(participantId)
    this.#acked(participantId)
    this.#refreshCode()
    void this.#serial(() => this.#renew())
  }

  async receiveKey(from: string, sealed: CallE2eeKey): Promise<void> {
    if (this.#closed) return
    const peer = this.#peers.get(from)
    if (!peer) {
      const early = this.#early.get(from) ?? []
      if (this.#early.size < 64 && early.length < 8) this.#early.set(from, [...early, sealed])
      return
    }
    const wrapping = this.#wrapping(peer)
    const base = wrapping
      ? await openKey(await wrapping, sealed, {
          callId: this.#deps.callId,
          from,
          to: this.#deps.self.participantId,
          kid: sealed.kid,
        })
      : null
    if (!base || base.byteLength !== this.#fc.BASE_KEY_BYTES) {
      this.#deps.error(
        new Error(`A media key from ${from} could not be decrypted: it was not encrypted for this client`),
      )
      return
    }
    await this.#install(from, sealed.kid, base)
    await this.#ratchetTo(from, sealed.kid + 1)
    peer.keyReceived = true
    this.#ack(from, sealed.kid)
    this.#deps.changed()
  }

  receiveAck(from: string, kid: number): void {
    if (this.#pending?.kid === kid) this.#acked(from)
  }

  /** The media side saw a frame with a key it lacks: ratchet forward when it is the same generation. */
  async needKey(participantId: string, kid: number): Promise<void> {
    // And the step after it: the next join's ratchet is then ready too.
    await this.#ratchetTo(participantId, kid + 1).catch((error: unknown) => this.#fail(error))
  }

  /** The media side reports whether frames from a participant decrypt. */
  decrypting(participantId: string, ok: boolean): void {
    const peer = this.#peers.get(participantId)
    if (!peer || peer.decrypting === ok) return
    peer.decrypting = ok
    this.#deps.changed()
  }

  /** Waits for the rotations and the verification code under way (tests). */
  async idle(): Promise<void> {
    await this.#chain
    await this.#codeReady
    while (this.#work.size > 0) await Promise.all([...this.#work])
  }

  close(): void {
    this.#closed = true
    this.#pending?.done()
    this.#peers.clear()
    this.#early.clear()
  }

  #addPeer(view: CallParticipantView): void {
    this.#peers.set(view.participantId, {
      view,
      wrapping: null,
      keys: new Map(),
      keyReceived: false,
      decrypting: false,
    })
  }

  #wrapping(peer: Peer): Promise<WebCryptoKey> | null {
    const publicKey = peer.view.e2ee?.publicKey
    if (!publicKey) return null
    peer.wrapping ??= wrappingKey(this.#deps.keyPair, publicKey, {
      callId: this.#deps.callId,
      a: this.#deps.self.participantId,
      b: peer.view.participantId,
    })
    return peer.wrapping
  }

  /** A new random key for everyone still here; used once they all have it (or after the timeout). */
  async #renew(): Promise<void> {
    const kid = (generationOf(this.#own.kid) + 1) * RATCHETS_PER_GENERATION
    const base = crypto.getRandomValues(new Uint8Array(this.#fc.BASE_KEY_BYTES))
    const recipients = [...this.#peers.keys()]
    if (recipients.length > 0) {
      const acked = new Promise<void>((resolve) => {
        const timer = setTimeout(() => resolve(), this.#deps.switchTimeoutMs ?? 2000)
        this.#pending = {
          kid,
          waiting: new Set(recipients),
          done: () => {
            clearTimeout(timer)
            resolve()
          },
        }
      })
      await this.#sendKey(recipients, kid, base)
      await acked
      this.#pending = null
    }
    if (this.#closed) return
    await this.#use(kid, base)
  }

  async #use(kid: number, base: Uint8Array): Promise<void> {
    const key = await this.#fc.deriveFrameKey(base, kid)
    if (this.#closed) return
    this.#own = { kid, base }
    this.#deps.media.setSendKey(kid, key)
    this.#deps.changed()
  }

  #sendOwn(recipients: string[]): Promise<void> {
    return this.#sendKey(recipients, this.#own.kid, this.#own.base)
  }

  async #sendKey(recipients: string[], kid: number, base: Uint8Array): Promise<void> {
    const entries: { to: string; key: CallE2eeKey }[] = []
    for (const to of recipients) {
      const peer = this.#peers.get(to)
      const wrapping = peer && this.#wrapping(peer)
      if (!wrapping) continue
      const sealed = await sealKey(await wrapping, base, {
        callId: this.#deps.callId,
        from: this.#deps.self.participantId,
        to,
        kid,
      })
      entries.push({ to, key: { kid, ...sealed } })
    }
    for (let i = 0; i < entries.length && !this.#closed; i += 100) this.#deps.sendKeys(entries.slice(i, i + 100))
  }

  async #install(participantId: string, kid: number, base: Uint8Array): Promise<void> {
    const peer = this.#peers.get(participantId)
    if (!peer) return
    const key = await this.#fc.deriveFrameKey(base, kid)
    if (this.#peers.get(participantId) !== peer) return
    peer.keys.set(kid, base)
    for (const old of [...peer.keys.keys()].sort((a, b) => a - b).slice(0, -KEPT_KEYS)) peer.keys.delete(old)
    this.#deps.media.setReceiveKey(participantId, kid, key)
  }

  async #ratchetTo(participantId: string, kid: number): Promise<void> {
    const peer = this.#peers.get(participantId)
    if (!peer || peer.keys.has(kid)) return
    const from = [...peer.keys.keys()]
      .filter((k) => k < kid && generationOf(k) === generationOf(kid) && kid - k <= MAX_RATCHET_AHEAD)
      .sort((a, b) => b - a)[0]
    if (from === undefined) return
    let base = peer.keys.get(from) as Uint8Array
    for (let k = from + 1; k <= kid; k++) {
      base = await this.#fc.ratchet(base)
      if (!peer.keys.has(k)) await this.#install(participantId, k, base)
    }
  }

  #acked(participantId: string): void {
    const pending = this.#pending
    if (!pending) return
    pending.waiting.delete(participantId)
    if (pending.waiting.size === 0) pending.done()
  }

  /** Acknowledgements go out together, one frame for the keys that arrived in the same turn. */
  #ack(to: string, kid: number): void {
    this.#acks.push({ to, kid })
    if (this.#acks.length > 1) return
    queueMicrotask(() => {
      const acks = this.#acks.splice(0)
      for (let i = 0; i < acks.length && !this.#closed; i += 100) this.#deps.sendAcks(acks.slice(i, i + 100))
    })
  }

  #refreshCode(): void {
    const version = ++this.#codeVersion
    const self = this.#deps.self
    const entries = [
      { participantId: self.participantId, actorId: self.actorId, publicKey: this.#deps.keyPair.publicKey },
      ...[...this.#peers.values()].map((p) => ({
        participantId: p.view.participantId,
        actorId: p.view.actor.id,
        publicKey: p.view.e2ee?.publicKey ?? '',
      })),
    ]
    this.#codeReady = verificationCode(entries).then(
      (code) => {
        // Only the latest membership's code counts (computations may finish out of order).
        if (version !== this.#codeVersion || this.#closed) return
        this.#code = code
        this.#deps.changed()
      },
      (error: unknown) => this.#fail(error),
    )
  }

  #serial(step: () => Promise<void>): Promise<void> {
    const next = this.#chain
      .then(() => (this.#closed ? undefined : step()))
      .catch((error: unknown) => this.#fail(error))
    this.#chain = next
    return next
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.#fail(error))
    this.#work.add(tracked)
    void tracked.finally(() => this.#work.delete(tracked))
  }

  #fail(error: unknown): void {
    this.#deps.error(error instanceof Error ? error : new Error(String(error)))
  }
}
