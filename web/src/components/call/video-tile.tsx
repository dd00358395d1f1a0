import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { Hand, Lock, MicOff } from 'lucide-react'
import type { CallParticipantView } from '@parley/client/browser'
import type { FloatingReaction } from '../../calls/use-call.ts'
import { PersonAvatar } from '../common/person-avatar.tsx'

/** One participant's camera or screen: presentational, the stream comes from the call hook. */
export function VideoTile({
  participant,
  stream,
  screen,
  local,
  speaking,
  reactions,
  encrypted = false,
}: {
  participant: CallParticipantView
  stream: MediaStream | null
  screen: boolean
  local: boolean
  speaking: boolean
  reactions: FloatingReaction[]
  /** Its frames arrive end-to-end encrypted and decrypt here. */
  encrypted?: boolean
}) {
  const { t } = useTranslation()
  const video = useRef<HTMLVideoElement>(null)
  useEffect(() => {
    if (video.current && video.current.srcObject !== stream) video.current.srcObject = stream
  }, [stream])
  const name = local ? t('call.you', { name: participant.actor.name }) : participant.actor.name
  const showVideo = stream !== null && (screen || participant.media.video) && stream.getVideoTracks().length > 0
  const label = screen ? t('call.screenOf', { name }) : t('call.videoOf', { name })
  return (
    <figure
      className={speaking ? 'video-tile speaking' : 'video-tile'}
      data-participant={participant.participantId}
      data-local={local || undefined}
      data-screen={screen || undefined}
    >
      {/* Remote audio plays through the video element; local tiles stay muted (no echo). */}
      <video ref={video} autoPlay playsInline muted={local} aria-label={label} hidden={!showVideo} />
      {!showVideo && <PersonAvatar actorId={participant.actor.id} name={participant.actor.name} size={80} />}
      <figcaption>
        <span>{screen ? t('call.screenOf', { name }) : name}</span>
        {!participant.media.audio && !screen && (
          <span className="status-icon" role="img" aria-label={t('call.muted')}>
            <MicOff size={14} />
          </span>
        )}
        {participant.handRaised && !screen && (
          <span className="status-icon hand" role="img" aria-label={t('call.handRaised')}>
            <Hand size={14} />
          </span>
        )}
        {encrypted && (
          <span className="status-icon secure" role="img" aria-label={t('e2ee.tile')}>
            <Lock size={13} />
          </span>
        )}
        {speaking && <span className="visually-hidden">, {t('call.speaking')}</span>}
      </figcaption>
      {reactions.map((r) => (
        <span key={r.key} className="floating-reaction" aria-hidden="true">
          {r.emoji}
        </span>
      ))}
    </figure>
  )
}
