/**
 * The media part of `parley doctor`: the engine's server answers (an external Janus by URL, or the
 * supervised Janus started briefly from a scratch folder), its VideoRoom accepts our admin key, and
 * every configured STUN/TURN server answers a STUN Binding request (TCP ones accept a connection).
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../config/schema.ts'
import { createLogger } from '../logger.ts'
import { findJanusLibDir } from '../media/janus/janus-config.ts'
import { startMediaRuntime } from '../media/media-runtime.ts'
import { parseIceUrl, stunAnswers } from '../media/turn/stun-probe.ts'

export type Check = { status: 'ok' | 'warn' | 'fail'; text: string }

export async function mediaChecks(config: Config, options: { timeoutMs?: number } = {}): Promise<Check[]> {
  const checks: Check[] = []
  if (config.mediaEngine === 'mesh') {
    checks.push({
      status: 'ok',
      text: `media engine mesh: browsers connect peer to peer, up to ${config.meshMaxParticipants} per call`,
    })
  } else {
    checks.push(...(await janusChecks(config)))
  }
  checks.push(...(await iceServerChecks(config, options.timeoutMs ?? 2000)))
  return checks
}

async function janusChecks(config: Config): Promise<Check[]> {
  const checks: Check[] = []
  const where = config.janusUrl ? `Janus at ${config.janusUrl}` : `the supervised Janus (${config.janusBinary})`
  if (!config.janusUrl) {
    if (!existsSync(config.janusBinary) || !findJanusLibDir()) {
      return [
        {
          status: 'fail',
          text: `${config.janusBinary} or its VideoRoom plugin is missing: install the Debian package "janus" (or set PARLEY_JANUS_URL to an external Janus)`,
        },
      ]
    }
    const known = Object.keys(networkInterfaces())
    for (const name of config.janusIceInterfaces) {
      if (!/^[\d.:]+$/.test(name) && !known.includes(name)) {
        checks.push({
          status: 'warn',
          text: `janusIceInterfaces names "${name}", which this machine does not have: if nothing matches, Janus silently gathers candidates on every interface`,
        })
      }
    }
  }
  const scratch = config.janusUrl ? undefined : await mkdtemp(join(tmpdir(), 'parley-doctor-janus-'))
  const runtime = await startMediaRuntime(
    config,
    createLogger('silent'),
    scratch ? { janusConfigDir: join(scratch, 'janus'), recordingsDir: join(scratch, 'recordings') } : {},
  )
  try {
    if (!runtime.ok) {
      checks.push({
        status: 'fail',
        text: `${where} does not work: ${runtime.error.type}: ${'message' in runtime.error ? runtime.error.message : ''}`.trim(),
      })
      return checks
    }
    const engine = runtime.value.engine
    if (engine.topology !== 'sfu') return checks
    const startup = runtime.value.janus ? ' (started in a scratch folder and stopped again)' : ''
    const router = await engine.createRouter({ callId: 'parley-doctor' })
    if (router.ok) {
      router.value.close()
      checks.push({ status: 'ok', text: `${where} answers and its VideoRoom creates rooms${startup}` })
    } else {
      checks.push({
        status: 'fail',
        text: `${where} answers but refuses to create a VideoRoom room (${JSON.stringify(router.error)}): check PARLEY_JANUS_ADMIN_KEY and that the VideoRoom plugin is loaded`,
      })
    }
    return checks
  } finally {
    if (runtime.ok) await runtime.value.close()
    if (scratch) await rm(scratch, { recursive: true, force: true })
  }
}

async function iceServerChecks(config: Config, timeoutMs: number): Promise<Check[]> {
  const checks: Check[] = []
  if (config.turnUrls.length === 0) {
    checks.push({
      status: 'warn',
      text: 'no TURN server configured: people behind strict NATs or firewalls cannot connect media. Run coturn with use-auth-secret and set PARLEY_TURN_URLS and PARLEY_TURN_SECRET',
    })
  }
  for (const url of [...config.stunUrls, ...config.turnUrls]) {
    const parsed = parseIceUrl(url)
    if (!parsed) {
      checks.push({
        status: 'fail',
        text: `${url} is not a stun:, turn: or turns: URL Parley can read (host[:port][?transport=udp|tcp])`,
      })
      continue
    }
    const answered =
      parsed.transport === 'udp'
        ? await stunAnswers(parsed.host, parsed.port, timeoutMs)
        : await tcpAccepts(parsed.host, parsed.port, timeoutMs)
    checks.push(
      answered
        ? {
            status: 'ok',
            text: `${url} answers${parsed.transport === 'udp' ? ' (STUN Binding)' : ' (TCP connection accepted)'}`,
          }
        : {
            status: 'fail',
            text: `${url} does not answer within ${timeoutMs / 1000}s: check that coturn runs there and the port is open`,
          },
    )
  }
  return checks
}

function tcpAccepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: timeoutMs })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.once('connect', () => done(true))
    socket.once('timeout', () => done(false))
    socket.once('error', () => done(false))
  })
}
