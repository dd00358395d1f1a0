/**
 * Call recording: moderators start and stop it (the policy decides, refusing end-to-end encrypted
 * rooms); everyone in the room sees `call.recording`. The media server records every producer of
 * the call (and those published while recording), janus-pp-rec turns the raw files into webm/opus
 * when recording stops, and the results are stored (the store's `recordings`), so they are listed
 * per room (GET /api/v1/rooms/:id/recordings) by every node and after restarts.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from '../logger.ts'
import type { RecordingRepository } from '../store/ports.ts'
import type { RecordingRecord } from '../store/records.ts'
import type { MediaResult, Producer } from '../media/engine.ts'
import { convertRecordings } from '../media/janus/janus-recordings.ts'
import type { Call } from './call.ts'

export class CallRecorder {
  readonly #log: Logger
  readonly #recordings: RecordingRepository
  readonly #convert: typeof convertRecordings
  readonly #now: () => number

  constructor(options: {
    logger: Logger
    recordings: RecordingRepository
    convert?: typeof convertRecordings
    now?: () => number
  }) {
    this.#log = options.logger
    this.#recordings = options.recordings
    this.#convert = options.convert ?? convertRecordings
    this.#now = options.now ?? Date.now
  }

  async start(call: Call): Promise<MediaResult<void>> {
    const sfu = call.sfu
    if (!sfu)
      return {
        ok: false,
        error: {
          type: 'recording-unavailable',
          message: 'mesh calls carry no media through the server; recording needs the janus media engine',
        },
      }
    if (call.recording) return { ok: true, value: undefined }
    for (const producer of sfu.producers.values()) {
      if (producer.closed) continue
      const started = await producer.startRecording()
      if (!started.ok) return started
    }
    call.recording = true
    call.emit({ type: 'call.recording', roomId: call.roomId, recording: true })
    this.#log.info({ roomId: call.roomId, callId: call.id }, 'recording started')
    return { ok: true, value: undefined }
  }

  async stop(call: Call): Promise<MediaResult<void>> {
    const sfu = call.sfu
    if (!sfu || !call.recording) return { ok: true, value: undefined }
    call.recording = false
    call.emit({ type: 'call.recording', roomId: call.roomId, recording: false })
    const kept = await this.#keep(call, [...sfu.producers.values()])
    if (kept.ok) this.#log.info({ roomId: call.roomId, callId: call.id }, 'recording stopped and converted')
    return kept
  }

  /** One participant leaves while recording: their part is stopped and converted now. */
  async stopParticipant(call: Call, participantId: string): Promise<MediaResult<void>> {
    const sfu = call.sfu
    if (!sfu || !call.recording) return { ok: true, value: undefined }
    return this.#keep(
      call,
      [...sfu.producers.values()].filter((p) => p.participantId === participantId),
    )
  }

  async #keep(call: Call, producers: Producer[]): Promise<MediaResult<void>> {
    const files: { participantId: string; actor: RecordingRecord['actor']; source: string; file: string }[] = []
    for (const producer of producers) {
      if (producer.closed || !producer.recording) continue
      const stopped = await producer.stopRecording()
      if (!stopped.ok) return stopped
      // Named now, while they are still in the call (a leaving participant is kept before release).
      const participant = call.participants.get(producer.participantId)
      const actor = participant ? { ...participant.actor } : null
      for (const file of stopped.value.files)
        files.push({ participantId: producer.participantId, actor, source: producer.source, file })
    }
    if (files.length === 0) return { ok: true, value: undefined }
    // One stream at a time: a stream that carried nothing (a microphone muted all along: the SFU
    // paused it, so Janus wrote no packets and janus-pp-rec has nothing to convert) is left out
    // with a warning, and does not cost everyone else's part of the recording.
    let kept = 0
    let failure: MediaResult<void> | undefined
    for (const from of files) {
      const converted = await this.#convert([from.file])
      if (!converted.ok) {
        this.#log.warn(
          { roomId: call.roomId, callId: call.id, participantId: from.participantId, error: converted.error },
          'a recorded stream could not be converted; it is left out',
        )
        failure ??= converted
        continue
      }
      for (const item of converted.value) kept += await this.#store(call, from, item)
    }
    // Nothing at all could be kept: that is a failure the moderator hears about.
    return kept === 0 && failure ? failure : { ok: true, value: undefined }
  }

  async #store(
    call: Call,
    from: { participantId: string; actor: RecordingRecord['actor']; source: string },
    item: { kind: 'audio' | 'video'; output: string; bytes: number },
  ): Promise<number> {
    await this.#recordings.add({
      id: randomUUID(),
      roomId: call.roomId,
      callId: call.id,
      kind: item.kind,
      source: from.source === 'screen' ? 'screen' : 'camera',
      participantId: from.participantId,
      actor: from.actor,
      mimeType: item.kind === 'video' ? 'video/webm' : 'audio/ogg',
      bytes: item.bytes,
      createdAt: this.#now(),
      path: item.output,
    })
    return 1
  }

  /** The call ended while still recording (its media server went away): nothing left to stop. */
  callEnded(call: Call): void {
    if (call.recording)
      this.#log.warn(
        { roomId: call.roomId, callId: call.id },
        'call ended while recording; its raw files stay in the recordings folder unconverted',
      )
  }
}
