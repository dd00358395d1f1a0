/**
 * Member side: a file a local user uploads into a room hosted elsewhere (through the ordinary
 * upload routes) goes to the room's host, which stays the authority: the upload is offered as the
 * attachment of a forwarded post (a capability URL of ours, room-actions.ts), the host fetches it
 * through its guarded fetcher, applies its own limits (largest file, the member's quota there,
 * types) and posts it — or refuses with its code, which the client gets. The client's answer is
 * the message as the mirror shows it, with the copy of the host's file this instance keeps (the
 * same copy every member here gets, file-sharing.ts).
 *
 * Unlike text writes, an upload is not queued while the host is unreachable: the bytes would have
 * to wait here for an unknown time. The client is told to try again (`room-host-unreachable`).
 */
import { randomUUID } from 'node:crypto'
import type { MessageView } from '@parley/protocol'
import type { FileAttachment, RoomHostLink } from '@parley/federation'
import type { Store } from '../store/ports.ts'
import type { Logger } from '../logger.ts'
import { fail, ok, type Caller, type Result } from '../rooms/result.ts'
import type { ForwardedFiles } from '../files/file-service.ts'
import { fileSnapshot, filesPath, fileView } from '../files/file-views.ts'
import type { RoomMirror } from './room-mirror.ts'
import type { ReplicaFiles } from './file-sharing.ts'
import { refusal } from './remote-room-writes.ts'

/** How long the client waits for the host's event and the copy of the file to arrive here. */
const ARRIVAL_WAIT_MS = 15_000

export class ForwardedUploads implements ForwardedFiles {
  readonly #store: Store
  readonly #hosts: RoomHostLink
  readonly #mirror: RoomMirror
  readonly #copies: ReplicaFiles
  readonly #log: Logger | undefined

  constructor(deps: {
    store: Store
    /** The federation's link to rooms' hosts (built before the chat stack: federation-core.ts). */
    hosts: RoomHostLink
    mirror: RoomMirror
    copies: ReplicaFiles
    log?: Logger
  }) {
    this.#store = deps.store
    this.#hosts = deps.hosts
    this.#mirror = deps.mirror
    this.#copies = deps.copies
    this.#log = deps.log?.child({ component: 'files' })
  }

  hostOf(roomId: string): Promise<string | null> {
    return this.#store.remoteRooms.hostOf(roomId)
  }

  async share(
    caller: Caller,
    roomId: string,
    roomUri: string,
    input: { attachment: FileAttachment; caption: string; replyTo: number | null },
  ): Promise<Result<MessageView>> {
    if (caller.type !== 'user') return fail('guest-not-allowed')
    const user = await this.#store.users.byId(caller.id)
    if (!user) return fail('room-not-found')
    // Text writes wait for the host here: a file must not overtake them.
    if ((await this.#store.remoteRooms.queued(roomId)).length > 0)
      return fail('room-host-unreachable', { roomId, reason: 'writes to this room are waiting for its host' })
    const outcome = await this.#hosts.forward(
      user.username,
      roomUri,
      {
        type: 'post',
        body: input.caption,
        ...(input.replyTo === null ? {} : { replyTo: input.replyTo }),
        attachments: [input.attachment],
      },
      randomUUID(),
    )
    switch (outcome.type) {
      case 'refused':
        return refusal(outcome.code, outcome.message)
      case 'unreachable':
        this.#log?.info({ roomId, roomUri, reason: outcome.reason }, "room's host unreachable: upload refused")
        return fail('room-host-unreachable', { roomId })
      case 'accepted':
        return this.#arrived(roomId, outcome.seq)
    }
  }

  /** The message the host accepted, once its event and the copy of its file are here (waited for briefly). */
  async #arrived(roomId: string, seq: number): Promise<Result<MessageView>> {
    await this.#mirror.waitForMessage(roomId, seq, ARRIVAL_WAIT_MS)
    const copy = await this.#copies.waitForCopy(roomId, seq, ARRIVAL_WAIT_MS)
    const view = await this.#mirror.view(roomId, seq)
    if (!view) return fail('write-queued', { roomId, seq, accepted: true })
    return ok(copy ? { ...view, file: fileView(fileSnapshot(copy), filesPath(roomId)) } : view)
  }
}
