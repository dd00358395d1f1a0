/** Pre-join checks that need no call: can this browser reach the TURN relay the server hands out? */
import type { IceServers } from '@parley/client/browser'

export type CheckResult = 'pending' | 'ok' | 'failed' | 'none'

/** Gathers relay candidates only: one arriving proves the TURN server answers with these credentials. */
export async function checkTurn(ice: IceServers, timeoutMs = 6000): Promise<CheckResult> {
  const turn = ice.iceServers.filter((s) => [s.urls].flat().some((u) => /^turns?:/.test(u)))
  if (turn.length === 0) return 'none'
  const pc = new RTCPeerConnection({ iceServers: turn, iceTransportPolicy: 'relay' })
  try {
    pc.createDataChannel('check')
    const found = new Promise<CheckResult>((resolve) => {
      const timer = setTimeout(() => resolve('failed'), timeoutMs)
      pc.onicecandidate = (event) => {
        if (event.candidate?.type === 'relay') {
          clearTimeout(timer)
          resolve('ok')
        }
        if (!event.candidate) {
          clearTimeout(timer)
          resolve('failed')
        }
      }
    })
    await pc.setLocalDescription(await pc.createOffer())
    return await found
  } finally {
    pc.close()
  }
}

/** A short tone on the chosen output device (where the browser lets pages pick one). */
export async function playTestTone(sinkId: string | null): Promise<void> {
  const audio = new AudioContext()
  if (sinkId && 'setSinkId' in audio)
    await (audio as AudioContext & { setSinkId(id: string): Promise<void> }).setSinkId(sinkId)
  const oscillator = audio.createOscillator()
  const gain = audio.createGain()
  gain.gain.value = 0.1
  oscillator.frequency.value = 660
  oscillator.connect(gain).connect(audio.destination)
  oscillator.start()
  await new Promise((r) => setTimeout(r, 600))
  oscillator.stop()
  await audio.close()
}
