/**
 * Calls as hooks over the SDK's CallClient events (after livekit components-js): the screens get
 * participants, their streams, the active speaker, reactions and the recording flag, and actions;
 * they never touch WebRTC themselves.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import type {
  CallClient,
  CallMediaFlags,
  CallParticipantView,
  E2eeOff,
  E2eeState,
  FileView,
} from '@parley/client/browser'
import type { AppSession } from '../data/session.ts'
import { speakingDetector } from './speaking.ts'

export type CallPhase = 'prejoin' | 'joining' | 'in-call' | 'ended'
export type CallStream = { id: string; participantId: string; stream: MediaStream; screen: boolean }
export type FloatingReaction = { key: number; participantId: string; emoji: string }
/** A file someone shared with the call; `name` is who, kept since they may leave the call. */
export type CallSharedFile = { seq: number; participantId: string; name: string; file: FileView }
/** This side's file going up: shown with its progress until it is announced (or fails). */
export type CallFileUpload = { name: string; sentBytes: number; totalBytes: number }

export type CallState = {
  phase: CallPhase
  participantId: string | null
  participants: CallParticipantView[]
  streams: CallStream[]
  local: { camera: MediaStream | null; screen: MediaStream | null }
  media: CallMediaFlags
  handRaised: boolean
  recording: boolean
  reactions: FloatingReaction[]
  endedReason: string | null
  /** End-to-end encryption as the SDK reports it (null before joining). */
  e2ee: E2eeState | E2eeOff | null
  /** Files shared with the call since this side joined, oldest first. */
  sharedFiles: CallSharedFile[]
  uploading: CallFileUpload | null
}

const INITIAL: CallState = {
  phase: 'prejoin',
  participantId: null,
  participants: [],
  streams: [],
  local: { camera: null, screen: null },
  media: { audio: false, video: false, screen: false },
  handRaised: false,
  recording: false,
  reactions: [],
  endedReason: null,
  e2ee: null,
  sharedFiles: [],
  uploading: null,
}

/** `e2ee`: the room's flag — such a call is refused unless it is end-to-end encrypted. */
export function useCall(session: AppSession, roomId: string, e2ee = false) {
  const [state, setState] = useState<CallState>(INITIAL)
  const call = useRef<CallClient | null>(null)
  const stopSpeaking = useRef<(() => void) | null>(null)
  const reactionKey = useRef(0)

  const patch = useCallback((change: Partial<CallState> | ((s: CallState) => Partial<CallState>)) => {
    setState((s) => ({ ...s, ...(typeof change === 'function' ? change(s) : change) }))
  }, [])

  const syncParticipants = useCallback(() => {
    const c = call.current
    // c.media too: a moderator's mute silences this side (CallClient applies it) and the button follows.
    if (c) patch({ participants: [...c.participants.values()], ...(c.participantId ? { media: c.media } : {}) })
  }, [patch])

  const cleanup = useCallback(() => {
    stopSpeaking.current?.()
    stopSpeaking.current = null
    const c = call.current
    call.current = null
    for (const stream of c?.local.values() ?? []) for (const track of stream.getTracks()) track.stop()
    return c
  }, [])

  const join = useCallback(
    async (camera: MediaStream | null, media: { audio: boolean; video: boolean }) => {
      patch({ phase: 'joining' })
      const c = session.parley.call(roomId, { e2ee: { required: e2ee } })
      call.current = c
      let joinedAs: string | null = null
      c.on('participant', syncParticipants)
      c.on('left', ({ participantId, reason }) => {
        // Removed by a moderator (or this tab left elsewhere): the call is over for us.
        if (participantId === joinedAs) {
          cleanup()
          patch({ phase: 'ended', endedReason: reason })
          return
        }
        syncParticipants()
        patch((s) => ({ streams: s.streams.filter((x) => x.participantId !== participantId) }))
      })
      c.on('ended', ({ reason }) => {
        patch({ phase: 'ended', endedReason: reason })
      })
      const feedStreams = new Map<string, string>()
      const firstStream = new Map<string, string>()
      c.on('track', ({ participantId, feedId, track, stream }) => {
        const media = stream ?? new MediaStream([track])
        if (feedId) feedStreams.set(feedId, media.id)
        // SFU: the feed says. Mesh: a participant's camera stream comes first (published before
        // joining), so a later stream of theirs is their screen.
        const screen = feedId
          ? c.feeds.get(feedId)?.source === 'screen'
          : (firstStream.get(participantId) ?? media.id) !== media.id
        if (!firstStream.has(participantId)) firstStream.set(participantId, media.id)
        patch((s) =>
          s.streams.some((x) => x.id === media.id)
            ? {}
            : { streams: [...s.streams, { id: media.id, participantId, stream: media, screen }] },
        )
        track.addEventListener('ended', () =>
          patch((s) => ({
            streams: s.streams.filter(
              (x) => x.id !== media.id || x.stream.getTracks().some((t) => t.readyState === 'live'),
            ),
          })),
        )
      })
      c.on('feed', ({ change, feed }) => {
        const id = feedStreams.get(feed.feedId)
        if (change === 'removed' && id) patch((s) => ({ streams: s.streams.filter((x) => x.id !== id) }))
      })
      c.on('reaction', ({ participantId, emoji }) => {
        const key = ++reactionKey.current
        patch((s) => ({ reactions: [...s.reactions, { key, participantId, emoji }] }))
        setTimeout(() => patch((s) => ({ reactions: s.reactions.filter((r) => r.key !== key) })), 4000)
      })
      c.on('recording', (recording) => patch({ recording }))
      c.on('file-shared', ({ participantId, seq, file }) => {
        const name = c.participants.get(participantId)?.actor.name ?? ''
        patch((s) =>
          s.sharedFiles.some((x) => x.seq === seq)
            ? {}
            : { sharedFiles: [...s.sharedFiles, { seq, participantId, name, file }] },
        )
      })
      c.on('e2ee', (e2ee) => patch({ e2ee }))
      const flags = { audio: media.audio && !!camera, video: media.video && !!camera, screen: false }
      if (camera) await c.publish('camera', camera)
      const joined = await c.join(flags)
      joinedAs = joined.participantId
      if (camera && flags.audio && joined.engine === 'mesh')
        stopSpeaking.current = speakingDetector(camera, (speaking) => void c.update({ speaking }).catch(() => {}))
      patch({
        phase: 'in-call',
        participantId: joined.participantId,
        participants: [...c.participants.values()],
        local: { camera, screen: null },
        media: flags,
        e2ee: c.e2ee,
        recording: 'recording' in joined ? Boolean((joined as { recording?: boolean }).recording) : false,
      })
    },
    [cleanup, e2ee, patch, roomId, session, syncParticipants],
  )

  const leave = useCallback(async () => {
    const c = cleanup()
    await c?.leave()
    patch({ phase: 'ended', endedReason: 'left' })
  }, [cleanup, patch])

  useEffect(
    () => () => {
      const c = cleanup()
      void c?.leave()
    },
    [cleanup],
  )

  const setMedia = useCallback(
    async (change: Partial<CallMediaFlags>) => {
      const c = call.current
      if (!c) return
      await c.update({ media: change })
      patch({ media: c.media })
    },
    [patch],
  )

  const shareScreen = useCallback(async () => {
    const c = call.current
    if (!c) return
    if (c.local.has('screen')) {
      await c.unpublish('screen')
      await c.update({ media: { screen: false } })
      patch((s) => ({ local: { ...s.local, screen: null }, media: c.media }))
      return
    }
    const screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false })
    screen.getVideoTracks()[0]?.addEventListener('ended', () => void shareScreenOff())
    await c.publish('screen', screen)
    await c.update({ media: { screen: true } })
    patch((s) => ({ local: { ...s.local, screen }, media: c.media }))
    async function shareScreenOff() {
      if (!c || !c.local.has('screen')) return
      await c.unpublish('screen')
      await c.update({ media: { screen: false } }).catch(() => {})
      patch((s) => ({ local: { ...s.local, screen: null }, media: c.media }))
    }
  }, [patch])

  const shareFile = useCallback(
    async (file: File) => {
      const c = call.current
      if (!c) return
      patch({ uploading: { name: file.name, sentBytes: 0, totalBytes: file.size } })
      try {
        // Small chunks so the progress moves on a slow link (as the chat's uploads do).
        await c.shareFile(file, {
          chunkSize: 1024 * 1024,
          onProgress: ({ sentBytes, totalBytes }) => patch({ uploading: { name: file.name, sentBytes, totalBytes } }),
        })
      } finally {
        patch({ uploading: null })
      }
    },
    [patch],
  )

  const actions = {
    join,
    shareFile,
    leave,
    toggleMute: () => setMedia({ audio: !call.current?.media.audio }),
    toggleCamera: () => setMedia({ video: !call.current?.media.video }),
    shareScreen,
    toggleHand: async () => {
      const next = !state.handRaised
      await call.current?.update({ handRaised: next })
      patch({ handRaised: next })
    },
    react: (emoji: string) => call.current?.react(emoji) ?? Promise.resolve(),
    moderate: (action: 'mute' | 'remove', participantId: string) =>
      call.current?.moderate(action, participantId) ?? Promise.resolve(),
    end: () => call.current?.end() ?? Promise.resolve(),
    record: (on: boolean) => call.current?.record(on) ?? Promise.resolve(),
  }
  return { state, actions }
}
