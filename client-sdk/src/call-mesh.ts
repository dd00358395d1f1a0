/**
 * Mesh calls in the browser: one RTCPeerConnection per other participant, each sending every local
 * track. Descriptions travel through the server's `call.signal` relay once ICE gathering is done.
 * Negotiations of one connection run one after the other. Whoever changes what they send offers;
 * the later joiner makes the first offers on a new connection. Two sides may still offer at once
 * later (both share a screen at the same moment): that glare is settled as in the WebRTC spec's
 * "perfect negotiation" — the side with the greater participant id is polite (it rolls its offer
 * back, answers, then offers its own change again); the other ignores the colliding offer.
 */
import type { MeshSignalBody } from '@parley/protocol'

export type MeshPeersDeps = {
  self: string
  create(): RTCPeerConnection
  local(): { track: MediaStreamTrack; stream: MediaStream }[]
  signal(to: string, signal: MeshSignalBody): void
  track(participantId: string, track: MediaStreamTrack, stream: MediaStream | null): void
  /** The connection to `remote` has new senders or receivers (end-to-end encryption puts its transforms on them). */
  prepared?(remote: string, pc: RTCPeerConnection): void
  error(error: Error): void
}

export class MeshPeers {
  readonly connections = new Map<string, RTCPeerConnection>()
  readonly #deps: MeshPeersDeps
  readonly #chains = new Map<string, Promise<unknown>>()
  /** Per connection: our offer being made (resolves once it is the local description). */
  readonly #making = new Map<string, Promise<void>>()
  /** Per connection: a colliding offer being answered (polite side), which our waiting offer lets finish. */
  readonly #answering = new Map<string, Promise<void>>()

  constructor(deps: MeshPeersDeps) {
    this.#deps = deps
  }

  /** Opens the connection to a participant already in the call and offers. */
  connect(remote: string): void {
    this.#queue(remote, async () => {
      const pc = this.#connection(remote)
      this.#syncTracks(remote, pc)
      await this.#offer(remote, pc)
    })
  }

  receive(from: string, signal: MeshSignalBody): void {
    const fail = (error: unknown) => this.#deps.error(error instanceof Error ? error : new Error(String(error)))
    // Answers and candidates complete a negotiation already under way (the queue waits for them).
    if (signal.type === 'answer') {
      this.connections.get(from)?.setRemoteDescription({ type: 'answer', sdp: signal.sdp }).catch(fail)
      return
    }
    if (signal.type === 'candidate') {
      if (signal.candidate) this.connections.get(from)?.addIceCandidate(signal.candidate).catch(fail)
      return
    }
    const pc = this.connections.get(from)
    const glare = pc !== undefined && (this.#making.has(from) || pc.signalingState === 'have-local-offer')
    if (!pc || !glare) {
      this.#queue(from, () => this.#answer(from, signal.sdp))
      return
    }
    // Impolite: ignore theirs; the polite side rolls its offer back and answers ours.
    if (this.#deps.self < from) return
    const answering = (async () => {
      await this.#making.get(from)?.catch(() => undefined)
      if (pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' })
      await this.#answer(from, signal.sdp)
    })()
    this.#answering.set(from, answering)
    answering.catch(fail).finally(() => {
      if (this.#answering.get(from) === answering) this.#answering.delete(from)
    })
    // Our own change was rolled back: offer it again once that answer is out.
    this.#queue(from, async () => {
      await answering.catch(() => undefined)
      this.#syncTracks(from, pc)
      await this.#offer(from, pc)
    })
  }

  async #answer(from: string, sdp: string): Promise<void> {
    const pc = this.#connection(from)
    await pc.setRemoteDescription({ type: 'offer', sdp })
    this.#syncTracks(from, pc)
    await pc.setLocalDescription(await pc.createAnswer())
    await gathered(pc)
    this.#deps.signal(from, { type: 'answer', sdp: pc.localDescription?.sdp ?? '' })
  }

  /** The local tracks changed (a source published or removed): offer again to everyone. */
  renegotiateAll(): void {
    for (const [remote, pc] of this.connections) {
      this.#queue(remote, async () => {
        this.#syncTracks(remote, pc)
        await this.#offer(remote, pc)
      })
    }
  }

  disconnect(remote: string): void {
    this.connections.get(remote)?.close()
    this.connections.delete(remote)
    this.#chains.delete(remote)
  }

  close(): void {
    for (const remote of [...this.connections.keys()]) this.disconnect(remote)
  }

  #connection(remote: string): RTCPeerConnection {
    let pc = this.connections.get(remote)
    if (!pc) {
      const created = this.#deps.create()
      this.connections.set(remote, created)
      created.ontrack = (event) => {
        this.#deps.prepared?.(remote, created)
        this.#deps.track(remote, event.track, event.streams[0] ?? null)
      }
      pc = created
    }
    return pc
  }

  /** Makes the connection send exactly the local tracks. */
  #syncTracks(remote: string, pc: RTCPeerConnection): void {
    const local = this.#deps.local()
    const sending = new Set(
      pc
        .getSenders()
        .map((s) => s.track)
        .filter((t) => t !== null),
    )
    for (const { track, stream } of local) if (!sending.has(track)) pc.addTrack(track, stream)
    const wanted = new Set(local.map((l) => l.track))
    for (const sender of pc.getSenders()) if (sender.track && !wanted.has(sender.track)) pc.removeTrack(sender)
    this.#deps.prepared?.(remote, pc)
  }

  async #offer(remote: string, pc: RTCPeerConnection): Promise<void> {
    const making = (async () => pc.setLocalDescription(await pc.createOffer()))()
    this.#making.set(remote, making)
    try {
      await making
    } finally {
      this.#making.delete(remote)
    }
    await gathered(pc)
    // Rolled back by a colliding offer (polite side): the queued re-offer carries the change.
    if (pc.signalingState !== 'have-local-offer') return
    this.#deps.signal(remote, { type: 'offer', sdp: pc.localDescription?.sdp ?? '' })
    // The answer arrives through receive(); the next negotiation waits for it.
    await new Promise<void>((resolve) => {
      const check = () => {
        if (pc.signalingState === 'stable' || pc.signalingState === 'closed') {
          pc.removeEventListener('signalingstatechange', check)
          resolve()
        }
      }
      pc.addEventListener('signalingstatechange', check)
    })
    await this.#answering.get(remote)?.catch(() => undefined)
  }

  #queue(remote: string, step: () => Promise<void>): void {
    const previous = this.#chains.get(remote) ?? Promise.resolve()
    const next = previous
      .then(step)
      .catch((error: unknown) => this.#deps.error(error instanceof Error ? error : new Error(String(error))))
    this.#chains.set(remote, next)
  }
}

/** Resolves once the connection has gathered its ICE candidates (so the SDP holds them all). */
export function gathered(pc: RTCPeerConnection, timeoutMs = 5000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs)
    function done() {
      clearTimeout(timer)
      pc.removeEventListener('icegatheringstatechange', check)
      resolve()
    }
    function check() {
      if (pc.iceGatheringState === 'complete') done()
    }
    pc.addEventListener('icegatheringstatechange', check)
  })
}
