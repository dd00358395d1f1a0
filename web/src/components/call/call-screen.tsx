/**
 * A call: pre-join checks, then the grid or speaker view, the controls, the participant list with
 * moderator actions and lobby admission, reactions, files shared with the call and the recording
 * indicator.
 */
import * as Popover from '@radix-ui/react-popover'
import { useMemo, useState, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import {
  CircleStop,
  Disc,
  Hand,
  LayoutGrid,
  Mic,
  MicOff,
  MonitorUp,
  MonitorX,
  PhoneMissed,
  PhoneOff,
  Presentation,
  SmilePlus,
  Users,
  Video,
  VideoOff,
} from 'lucide-react'
import type { RoomView } from '@parley/client/browser'
import { useCall, type CallStream } from '../../calls/use-call.ts'
import { useAction, useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'
import { PreJoin } from './prejoin.tsx'
import { VideoTile } from './video-tile.tsx'
import { CallParticipants } from './call-participants.tsx'
import { E2eeBar } from './e2ee-status.tsx'
import { CallFiles, ShareFileButton } from './call-files.tsx'

const REACTIONS = ['👍', '👏', '😂', '🎉', '❤️', '😮']

export default function CallScreen({ room, onClose }: { room: RoomView; onClose: () => void }) {
  const { t } = useTranslation()
  const session = useSession()
  const { state, actions } = useCall(session, room.id, room.e2ee)
  const { problem, run } = useAction()
  const [layout, setLayout] = useState<'grid' | 'speaker'>('grid')
  const [panel, setPanel] = useState(false)
  // Stopping a recording converts it before the server answers: until then it is not listed yet.
  const [saved, setSaved] = useState<'saving' | 'saved' | null>(null)

  const tiles = useMemo(() => {
    const me = state.participants.find((p) => p.participantId === state.participantId)
    const list: { key: string; participantId: string; stream: MediaStream | null; screen: boolean; local: boolean }[] =
      []
    if (me) {
      list.push({
        key: 'local-camera',
        participantId: me.participantId,
        stream: state.local.camera,
        screen: false,
        local: true,
      })
      if (state.local.screen)
        list.push({
          key: 'local-screen',
          participantId: me.participantId,
          stream: state.local.screen,
          screen: true,
          local: true,
        })
    }
    for (const p of state.participants) {
      if (p.participantId === state.participantId) continue
      const streams: CallStream[] = state.streams.filter((s) => s.participantId === p.participantId)
      if (streams.length === 0)
        list.push({
          key: `${p.participantId}-none`,
          participantId: p.participantId,
          stream: null,
          screen: false,
          local: false,
        })
      // A screen stays only while its sender says it shares (mesh keeps a stopped track's stream).
      for (const s of streams.filter((x) => !x.screen || p.media.screen))
        list.push({ key: s.id, participantId: p.participantId, stream: s.stream, screen: s.screen, local: false })
    }
    return list
  }, [state.participants, state.participantId, state.streams, state.local])

  if (state.phase === 'prejoin')
    return (
      <PreJoin
        e2ee={room.e2ee}
        onJoin={(stream, media) => void run(() => actions.join(stream, media))}
        onCancel={onClose}
      />
    )
  if (state.phase === 'ended')
    return (
      <section className="call ended" aria-label={t(endedText(state.endedReason))}>
        <p role="status">{t(endedText(state.endedReason))}</p>
        <button type="button" onClick={onClose}>
          {t('nav.back')}
        </button>
      </section>
    )

  const me = state.participants.find((p) => p.participantId === state.participantId)
  const moderator = me?.moderator ?? false
  const speaking = state.participants.find((p) => p.speaking && p.participantId !== state.participantId)
  const featured =
    tiles.find((x) => x.screen) ??
    tiles.find((x) => x.participantId === speaking?.participantId) ??
    tiles.find((x) => !x.local) ??
    tiles[0]
  const ordered = layout === 'speaker' && featured ? [featured, ...tiles.filter((x) => x !== featured)] : tiles
  const byId = new Map(state.participants.map((p) => [p.participantId, p]))
  const stopRecording = () => {
    setSaved('saving')
    void run(async () => {
      await actions.record(false)
      return true
    }).then((done) => setSaved(done ? 'saved' : null))
  }

  return (
    <section className={`call layout-${layout}`} aria-label={t('call.inCall', { count: state.participants.length })}>
      <ProblemNote problem={problem} />
      <E2eeBar state={state.e2ee} />
      {state.recording && (
        <p className="recording-indicator" role="status">
          <span className="rec-dot" aria-hidden="true" /> {t('call.recording')}
        </p>
      )}
      {!state.recording && saved && (
        <p className="recording-saved" role="status">
          {t(saved === 'saving' ? 'call.recordingSaving' : 'call.recordingSaved')}
        </p>
      )}
      <div className="call-body">
        <ul className="tiles" data-count={ordered.length}>
          {ordered.map((tile, i) => {
            const p = byId.get(tile.participantId)
            if (!p) return null
            return (
              <li key={tile.key} className={layout === 'speaker' && i === 0 ? 'tile featured' : 'tile'}>
                <VideoTile
                  participant={p}
                  stream={tile.stream}
                  screen={tile.screen}
                  local={tile.local}
                  speaking={p.speaking}
                  reactions={state.reactions.filter((r) => r.participantId === p.participantId && !tile.screen)}
                  encrypted={
                    !tile.local &&
                    state.e2ee?.enabled === true &&
                    state.e2ee.participants.some((x) => x.participantId === p.participantId && x.decrypting)
                  }
                />
              </li>
            )
          })}
        </ul>
        {panel && (
          <CallParticipants
            room={room}
            participants={state.participants}
            selfId={state.participantId}
            moderator={moderator}
            onModerate={(action, id) => void run(() => actions.moderate(action, id))}
          />
        )}
      </div>
      <CallFiles uploading={state.uploading} shared={state.sharedFiles} selfId={state.participantId} />
      <div className="call-controls" role="toolbar" aria-label={t('call.controls')}>
        <ToolButton
          label={state.media.audio ? t('call.mute') : t('call.unmute')}
          pressed={!state.media.audio}
          off={!state.media.audio}
          onClick={() => void run(actions.toggleMute)}
        >
          {state.media.audio ? <Mic size={20} /> : <MicOff size={20} />}
        </ToolButton>
        <ToolButton
          label={state.media.video ? t('call.cameraOff') : t('call.cameraOnAction')}
          pressed={!state.media.video}
          off={!state.media.video}
          onClick={() => void run(actions.toggleCamera)}
        >
          {state.media.video ? <Video size={20} /> : <VideoOff size={20} />}
        </ToolButton>
        <ToolButton
          label={state.media.screen ? t('call.stopShare') : t('call.share')}
          pressed={state.media.screen}
          onClick={() => void run(actions.shareScreen)}
        >
          {state.media.screen ? <MonitorX size={20} /> : <MonitorUp size={20} />}
        </ToolButton>
        <ToolButton
          label={state.handRaised ? t('call.lower') : t('call.raise')}
          pressed={state.handRaised}
          onClick={() => void run(actions.toggleHand)}
        >
          <Hand size={20} />
        </ToolButton>
        <ShareFileButton busy={state.uploading !== null} onPick={(file) => void run(() => actions.shareFile(file))} />
        <Popover.Root>
          <Popover.Trigger asChild>
            <button type="button" className="tool" aria-label={t('call.react')} data-tip={t('call.react')}>
              <SmilePlus size={20} />
            </button>
          </Popover.Trigger>
          <Popover.Portal>
            <Popover.Content className="emoji-picker" sideOffset={8} aria-label={t('call.react')}>
              <div className="emoji-grid">
                {REACTIONS.map((emoji) => (
                  <Popover.Close key={emoji} asChild>
                    <button
                      type="button"
                      className="emoji"
                      aria-label={t('chat.reactWith', { emoji })}
                      onClick={() => void run(() => actions.react(emoji))}
                    >
                      {emoji}
                    </button>
                  </Popover.Close>
                ))}
              </div>
            </Popover.Content>
          </Popover.Portal>
        </Popover.Root>
        <span className="tool-separator" aria-hidden="true" />
        <ToolButton
          label={layout === 'grid' ? t('call.speakerView') : t('call.grid')}
          pressed={layout === 'speaker'}
          onClick={() => setLayout(layout === 'grid' ? 'speaker' : 'grid')}
        >
          {layout === 'grid' ? <Presentation size={20} /> : <LayoutGrid size={20} />}
        </ToolButton>
        <ToolButton
          label={t('call.participantsCount', { n: state.participants.length })}
          pressed={panel}
          onClick={() => setPanel(!panel)}
        >
          <Users size={20} />
          {/* Drawn by CSS from the attribute: the count is already in the button's name. */}
          <span className="tool-count" aria-hidden="true" data-count={state.participants.length} />
        </ToolButton>
        {/* End-to-end encrypted calls cannot be recorded (the server cannot read them): no button. */}
        {moderator && !room.e2ee && (
          <ToolButton
            label={state.recording ? t('call.stopRecord') : t('call.record')}
            pressed={state.recording}
            onClick={() => (state.recording ? stopRecording() : void run(() => actions.record(true)))}
          >
            {state.recording ? <CircleStop size={20} /> : <Disc size={20} />}
          </ToolButton>
        )}
        <span className="tool-separator" aria-hidden="true" />
        {moderator && (
          <ToolButton label={t('call.end')} danger onClick={() => void run(actions.end)}>
            <PhoneMissed size={20} />
          </ToolButton>
        )}
        <button
          type="button"
          className="tool leave"
          data-tip={t('call.leave')}
          onClick={() => void actions.leave().then(onClose)}
        >
          <PhoneOff size={20} />
          <span>{t('call.leave')}</span>
        </button>
      </div>
    </section>
  )
}

/** A round toolbar button: an icon, its name for screen readers and as a tooltip, pressed state. */
function ToolButton({
  label,
  pressed,
  off,
  danger,
  onClick,
  children,
}: {
  label: string
  pressed?: boolean
  /** Drawn as "off" (a muted microphone, a camera turned off). */
  off?: boolean
  danger?: boolean
  onClick: () => void
  children: ReactNode
}) {
  return (
    <button
      type="button"
      className={['tool', off ? 'off' : '', danger ? 'danger' : ''].filter(Boolean).join(' ')}
      aria-label={label}
      aria-pressed={pressed}
      data-tip={label}
      onClick={onClick}
    >
      {children}
    </button>
  )
}

/** What the ended view says: removed by a moderator is not the same as the call being over. */
function endedText(reason: string | null): 'call.removed' | 'call.ended' {
  return reason === 'removed' ? 'call.removed' : 'call.ended'
}
