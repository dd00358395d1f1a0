/**
 * The instance's federation front door: which requests are federation's, and what every one of them
 * passes before the one Fedify `Federation` (or a room's forwarded-write endpoint) sees it —
 * signature headers well formed, the signer's domain not blocked, JSON nesting bounded, inbox
 * signatures checked (inbound/inbound-gate.ts), and each signed POST taken once (a replay guard).
 */
import { createHash } from 'node:crypto'
import type { Federation, KvKey } from '@fedify/fedify'
import type { FederationLogger } from './log.ts'
import type { DomainPolicy } from './domain-policy.ts'
import type { InboundGate, InboundPass } from './inbound/inbound-gate.ts'
import type { ReplayGuard } from './inbound/replay-guard.ts'
import { HOST_META_PATH, hostMetaResponse } from './host-meta.ts'
import { MAX_ACTIVITY_DEPTH, jsonDepth } from './json-depth.ts'
import { refusalResponse, type InboundRefusal } from './inbound/inbound-refusal.ts'
import { readSignature } from './inbound/signature-headers.ts'
import { ROOM_PARTICIPANTS_PATH } from './rooms/room-participants.ts'

/** Paths Fedify (or we, in front of it) may answer; anything else goes straight to the web app. */
const FEDERATION_PATH =
  /^\/(users\/|rooms\/|actor(?:\/inbox)?$|inbox$|nodeinfo\/|\.well-known\/(webfinger|nodeinfo|host-meta))/
/** A member's forwarded write to a room hosted here (rooms/room-actions.ts). */
const ROOM_ACTIONS_PATH = /^\/rooms\/([^/]+)\/actions$/
const INBOX_PATH = /^\/(?:(?:users|rooms)\/[^/]+\/|actor\/)?inbox$/
const WEBFINGER_PATH = '/.well-known/webfinger'
const POST = ['POST']
const READ = ['GET', 'HEAD']

export type FederationRequestDeps = {
  origin: string
  federation: Federation<void>
  /** Answers `POST /rooms/{roomId}/actions` (rooms/room-federation.ts). */
  roomAction: (request: Request, roomId: string) => Promise<Response>
  /** Answers `GET /rooms/{roomId}/participants` for a member's instance (rooms/room-participants.ts). */
  roomParticipants: (request: Request, roomId: string) => Promise<Response>
  gate: InboundGate
  /**
   * Hands what the gate verified (parsed activity, key) to Fedify's patched inbox, which then
   * neither verifies nor parses again (default). False: Fedify checks everything again, the slow
   * path the security tests also run against.
   */
  handOver?: boolean
  policy: DomainPolicy
  /** Signed POSTs are claimed there, atomically, for twice the signature window. */
  replays: ReplayGuard
  log: FederationLogger
}

/** Whether a request for this path may be federation's (cheap pre-check for the web app). */
export function claimsFederationPath(pathname: string): boolean {
  return FEDERATION_PATH.test(pathname)
}

export class FederationRequests {
  readonly #deps: FederationRequestDeps

  constructor(deps: FederationRequestDeps) {
    this.#deps = deps
  }

  /**
   * Answers a federation request, or null when it is not one (unknown path or actor, or a browser
   * asking for HTML): the caller then serves it itself. Bodies are read only for inbox POSTs (and
   * handed to Fedify byte for byte); any other request's body is left untouched for the caller.
   */
  async handle(request: Request): Promise<Response | null> {
    const { log, policy, gate, replays } = this.#deps
    const url = new URL(request.url)
    if (!claimsFederationPath(url.pathname)) return null
    if (url.pathname === HOST_META_PATH || url.pathname === `${HOST_META_PATH}.json`)
      return hostMetaResponse(request, this.#deps.origin)
    const refuse = (refusal: InboundRefusal, level: 'info' | 'warn' = 'warn', msg = 'inbound request refused') => {
      log[level]({ path: url.pathname, code: refusal.code, reason: refusal.message }, msg)
      return refusalResponse(refusal)
    }
    // Inboxes and rooms' action endpoints take POSTs; everything else here is read with GET. Any
    // other method never reaches Fedify, which would parse a body the checks below never saw (the
    // depth limit, signature gate and replay guard are for POSTs): refused where the resource is
    // known to be federation's, otherwise left to the web app (which has no such route).
    const posted = INBOX_PATH.test(url.pathname) || ROOM_ACTIONS_PATH.test(url.pathname)
    const allowed = posted ? POST : READ
    if (!allowed.includes(request.method)) {
      if (!posted && url.pathname !== WEBFINGER_PATH) return null
      log.info({ path: url.pathname, method: request.method }, 'federation request with a wrong method refused')
      return refusalResponse(
        { code: 'method-not-allowed', message: `${request.method} is not allowed here; use ${allowed.join(' or ')}.` },
        { allow: allowed.join(', ') },
      )
    }
    // Fedify answers a WebFinger query without a usable resource in plain text; ours say why in JSON.
    if (url.pathname === WEBFINGER_PATH) {
      const resource = url.searchParams.get('resource')
      if (!resource || !URL.canParse(resource))
        return refuse(
          { code: 'validation-failed', message: 'WebFinger needs a resource: an acct: URI or a URL.' },
          'info',
        )
    }
    const inboxPost = request.method === 'POST' && INBOX_PATH.test(url.pathname)
    // A member's forwarded write to a room hosted here (rooms/room-actions.ts checks its signature).
    const action = request.method === 'POST' ? ROOM_ACTIONS_PATH.exec(url.pathname) : null
    const signature = readSignature(request.headers)
    if (signature !== null && !signature.ok) return refuse({ code: signature.code, message: signature.message })
    if (signature !== null && policy.blocks(signature.value.keyId))
      return refuse(
        { code: 'domain-blocked', message: 'This domain is blocked here.' },
        'info',
        'request from a blocked domain refused',
      )
    // Who is in a room hosted here, for a member's instance (rooms/room-participants.ts checks its signature).
    const roster = request.method === 'GET' ? ROOM_PARTICIPANTS_PATH.exec(url.pathname) : null
    if (roster) return this.#deps.roomParticipants(request, decodeURIComponent(roster[1]!))
    let replayKey: KvKey | null = null
    let verified: InboundPass['verified'] = null
    if (inboxPost || action) {
      // Read here (Fedify gets the very same bytes) to refuse absurd nesting before Fedify's
      // recursive JSON-LD processing sees it, and to check the signature (inbound-gate.ts).
      const body = new Uint8Array(await request.arrayBuffer())
      if (jsonDepth(new TextDecoder().decode(body)) > MAX_ACTIVITY_DEPTH)
        return refuse({ code: 'activity-invalid', message: `JSON nested deeper than ${MAX_ACTIVITY_DEPTH} levels.` })
      if (inboxPost) {
        const checked = await gate.check(request, body)
        if (!checked.ok) return refuse(checked.refusal)
        if (this.#deps.handOver !== false) verified = checked.verified
      }
      // Claimed before processing, so two copies sent at once cannot both pass.
      replayKey = replayKeyOf(request)
      if (replayKey && !(await replays.claim(replayKey)))
        return refuse({ code: 'signature-replayed', message: 'This signed request was already received.' })
      request = new Request(request.url, { method: 'POST', headers: request.headers, body })
    }
    let answer: { response: Response; declined: boolean }
    try {
      answer = await this.#route(request, action, verified)
    } catch (error) {
      if (replayKey) await replays.forget(replayKey)
      throw error
    }
    // A request that was not taken may be sent again (a delivery retried after our error).
    if (replayKey && !answer.response.ok) await replays.forget(replayKey)
    return answer.declined ? null : answer.response
  }

  /** Hands the request to the room's forwarded-write endpoint or to the one Fedify federation. */
  async #route(
    request: Request,
    action: RegExpExecArray | null,
    verified: InboundPass['verified'],
  ): Promise<{ response: Response; declined: boolean }> {
    if (action)
      return { response: await this.#deps.roomAction(request, decodeURIComponent(action[1]!)), declined: false }
    // Fedify's "not mine" (no such route or actor, or HTML wanted): the web app answers instead.
    let declined = false
    const decline = () => {
      declined = true
      return new Response(null, { status: 404 })
    }
    const response = await this.#deps.federation.fetch(request, {
      contextData: undefined,
      onNotFound: decline,
      onNotAcceptable: decline,
      ...(verified ? { verifiedRequest: verified } : {}),
    })
    return { response, declined }
  }
}

/** A signed POST is identified by its signature: the same bytes twice are a replay. */
function replayKeyOf(request: Request): KvKey | null {
  const signature = request.headers.get('signature') ?? request.headers.get('signature-input')
  if (!signature) return null
  const digest = request.headers.get('digest') ?? request.headers.get('content-digest') ?? ''
  const hash = createHash('sha256').update(signature).update('\0').update(digest).digest('base64url')
  return ['parley', 'replay', hash]
}
