/** Before joining: camera preview, device choice, microphone level, a test sound, and the TURN check. */
import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { problemOf, type Problem } from '../../data/errors.ts'
import { useSession } from '../common/hooks.ts'
import { ProblemNote } from '../common/problem-note.tsx'
import { audioLevel } from '../../calls/speaking.ts'
import { checkTurn, playTestTone, type CheckResult } from '../../calls/checks.ts'
import { e2eeSupport } from '@parley/client/browser'
import { E2eePreJoinNote } from './e2ee-status.tsx'

type Devices = { camera: MediaDeviceInfo[]; microphone: MediaDeviceInfo[]; speaker: MediaDeviceInfo[] }

export function PreJoin({
  onJoin,
  onCancel,
  e2ee = false,
}: {
  onJoin: (stream: MediaStream | null, media: { audio: boolean; video: boolean }) => void
  onCancel: () => void
  /** The room's calls are end-to-end encrypted: say so, and refuse here if this browser cannot. */
  e2ee?: boolean
}) {
  const { t } = useTranslation()
  const session = useSession()
  const video = useRef<HTMLVideoElement>(null)
  const [stream, setStream] = useState<MediaStream | null>(null)
  const [devices, setDevices] = useState<Devices>({ camera: [], microphone: [], speaker: [] })
  const [chosen, setChosen] = useState({ camera: '', microphone: '', speaker: '' })
  const [wanted, setWanted] = useState({ audio: true, video: true })
  const [level, setLevel] = useState(0)
  const [checks, setChecks] = useState<Record<'camera' | 'microphone' | 'speaker' | 'turn', CheckResult>>({
    camera: 'pending',
    microphone: 'pending',
    speaker: 'pending',
    turn: 'pending',
  })
  const [problem, setProblem] = useState<Problem | null>(null)
  const heard = useRef(false)
  const [support] = useState(e2eeSupport)
  const handedOver = useRef<MediaStream | null>(null)

  // (Re)acquire the chosen devices.
  useEffect(() => {
    let cancelled = false
    let acquired: MediaStream | null = null
    const constraints: MediaStreamConstraints = {
      audio: wanted.audio ? (chosen.microphone ? { deviceId: { exact: chosen.microphone } } : true) : false,
      video: wanted.video
        ? chosen.camera
          ? { deviceId: { exact: chosen.camera } }
          : { width: 640, height: 360 }
        : false,
    }
    if (!wanted.audio && !wanted.video) {
      setStream(null)
      return
    }
    navigator.mediaDevices.getUserMedia(constraints).then(
      async (s) => {
        if (cancelled) return s.getTracks().forEach((track) => track.stop())
        acquired = s
        setStream(s)
        setProblem(null)
        const list = await navigator.mediaDevices.enumerateDevices()
        setDevices({
          camera: list.filter((d) => d.kind === 'videoinput'),
          microphone: list.filter((d) => d.kind === 'audioinput'),
          speaker: list.filter((d) => d.kind === 'audiooutput'),
        })
        setChecks((c) => ({
          ...c,
          camera: wanted.video ? (s.getVideoTracks()[0]?.readyState === 'live' ? 'ok' : 'failed') : c.camera,
        }))
      },
      (error: unknown) => {
        if (cancelled) return
        setProblem(problemOf(error, t))
        setChecks((c) => ({
          ...c,
          camera: wanted.video ? 'failed' : c.camera,
          microphone: wanted.audio ? 'failed' : c.microphone,
        }))
      },
    )
    return () => {
      cancelled = true
      if (acquired !== handedOver.current) acquired?.getTracks().forEach((track) => track.stop())
    }
  }, [chosen.camera, chosen.microphone, wanted.audio, wanted.video, t])

  useEffect(() => {
    if (video.current) video.current.srcObject = stream
    if (!stream) return
    return audioLevel(stream, (l) => {
      setLevel(l)
      if (l > 0.05 && !heard.current) {
        heard.current = true
        setChecks((c) => ({ ...c, microphone: 'ok' }))
      }
    })
  }, [stream])

  useEffect(() => {
    let cancelled = false
    session.parley.rest
      .iceServers()
      .then((ice) => checkTurn(ice))
      .catch((): CheckResult => 'failed')
      .then((turn) => !cancelled && setChecks((c) => ({ ...c, turn })))
    return () => {
      cancelled = true
    }
  }, [session])

  const join = () => {
    // The call takes the tracks over; this screen no longer stops them.
    handedOver.current = stream
    onJoin(stream, wanted)
  }

  return (
    <section className="prejoin" aria-labelledby="prejoin-title">
      <h2 id="prejoin-title">{t('call.prejoinTitle')}</h2>
      {e2ee && <E2eePreJoinNote support={support} />}
      <div className="prejoin-grid">
        <div className="preview">
          <video ref={video} autoPlay playsInline muted aria-label={t('call.camera')} />
          <meter className="level" min={0} max={1} value={level} aria-label={t('call.level')} />
          <h3>{t('call.checks')}</h3>
          <ul className="checks">
            {(['camera', 'microphone', 'speaker', 'turn'] as const).map((key) => (
              <li key={key} data-check={key} data-result={checks[key]}>
                <span>
                  {t(
                    `call.check${key === 'turn' ? 'Turn' : key === 'microphone' ? 'Mic' : key === 'camera' ? 'Camera' : 'Speaker'}`,
                  )}
                </span>
                <span className={`check-${checks[key]}`}>
                  {checks[key] === 'none'
                    ? t('call.noTurn')
                    : t(`call.${checks[key] === 'ok' ? 'ok' : checks[key] === 'failed' ? 'failed' : 'pending'}`)}
                </span>
              </li>
            ))}
          </ul>
        </div>
        <div className="form">
          <label className="radio">
            <input
              type="checkbox"
              checked={wanted.video}
              onChange={(e) => setWanted({ ...wanted, video: e.target.checked })}
            />
            {t('call.cameraOn')}
          </label>
          <label className="radio">
            <input
              type="checkbox"
              checked={wanted.audio}
              onChange={(e) => setWanted({ ...wanted, audio: e.target.checked })}
            />
            {t('call.micOn')}
          </label>
          <DeviceSelect
            label={t('call.camera')}
            list={devices.camera}
            value={chosen.camera}
            onChange={(camera) => setChosen({ ...chosen, camera })}
          />
          <DeviceSelect
            label={t('call.microphone')}
            list={devices.microphone}
            value={chosen.microphone}
            onChange={(microphone) => setChosen({ ...chosen, microphone })}
          />
          <DeviceSelect
            label={t('call.speaker')}
            list={devices.speaker}
            value={chosen.speaker}
            onChange={(speaker) => setChosen({ ...chosen, speaker })}
          />
          <button
            type="button"
            onClick={() =>
              void playTestTone(chosen.speaker || null).then(
                () => setChecks((c) => ({ ...c, speaker: 'ok' })),
                () => setChecks((c) => ({ ...c, speaker: 'failed' })),
              )
            }
          >
            {t('call.testSpeaker')}
          </button>
          <ProblemNote problem={problem} />
          <div className="row end">
            <button type="button" onClick={onCancel}>
              {t('call.cancel')}
            </button>
            <button type="button" className="primary" onClick={join} disabled={e2ee && !support.ok}>
              {t('call.join')}
            </button>
          </div>
        </div>
      </div>
    </section>
  )
}

function DeviceSelect({
  label,
  list,
  value,
  onChange,
}: {
  label: string
  list: MediaDeviceInfo[]
  value: string
  onChange: (id: string) => void
}) {
  if (list.length === 0) return null
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {list.map((d, i) => (
          <option key={d.deviceId || i} value={d.deviceId}>
            {d.label || `${label} ${i + 1}`}
          </option>
        ))}
      </select>
    </label>
  )
}
