/**
 * Builds the configured media engine: MeshEngine, JanusEngine on an external Janus (janusUrl), or
 * JanusEngine on a Janus that Parley supervises (config folder in dataDir/janus). Also hands out
 * each session's ICE servers with fresh TURN credentials. `main` wires it once the call service
 * exists; `parley doctor` uses the same pieces to check that Janus answers.
 */
import { join, resolve } from 'node:path'
import type { IceServers } from '@parley/protocol'
import type { Config } from '../config/schema.ts'
import type { Logger } from '../logger.ts'
import type { MediaEngine, MediaError } from './engine.ts'
import type { JanusSupervisor, JanusEndpoint } from './janus/janus-supervisor.ts'
import { MeshEngine } from './mesh/mesh-engine.ts'
import { iceServersFor } from './turn/turn-credentials.ts'

export type MediaRuntime = {
  engine: MediaEngine
  /** The supervised Janus, when Parley runs its own. */
  janus: JanusSupervisor | undefined
  iceServers(userId: string, now?: number): IceServers
  close(): Promise<void>
}

export type MediaRuntimeResult =
  | { ok: true; value: MediaRuntime }
  | { ok: false; error: MediaError | { type: 'janus-missing' | 'spawn-failed' | 'not-ready'; message: string } }

export type MediaConfig = Pick<
  Config,
  | 'dataDir'
  | 'mediaEngine'
  | 'meshMaxParticipants'
  | 'janusUrl'
  | 'janusApiSecret'
  | 'janusAdminKey'
  | 'janusBinary'
  | 'janusPort'
  | 'janusRtpPortRange'
  | 'janusIceInterfaces'
  | 'janusRecordingsDir'
  | 'turnSecret'
  | 'turnCredentialTtlSeconds'
  | 'stunUrls'
  | 'turnUrls'
>

export async function startMediaRuntime(
  config: MediaConfig,
  logger: Logger,
  options: { janusConfigDir?: string; recordingsDir?: string } = {},
): Promise<MediaRuntimeResult> {
  const iceServers = (userId: string, now?: number) =>
    iceServersFor(
      {
        stunUrls: config.stunUrls,
        turnUrls: config.turnUrls,
        turnSecret: config.turnSecret,
        ttlSeconds: config.turnCredentialTtlSeconds,
      },
      userId,
      now,
    )
  if (config.mediaEngine === 'mesh') {
    const engine = new MeshEngine({ maxParticipants: config.meshMaxParticipants, logger })
    return { ok: true, value: { engine, janus: undefined, iceServers, close: async () => engine.close() } }
  }
  // The Janus engine (a dozen modules) loads only when it is the configured one.
  const [{ JanusEngine }, { JanusSupervisor }] = await Promise.all([
    import('./janus/janus-engine.ts'),
    import('./janus/janus-supervisor.ts'),
  ])
  let janus: JanusSupervisor | undefined
  let endpoint: JanusEndpoint
  if (config.janusUrl) {
    endpoint = { url: config.janusUrl, apiSecret: config.janusApiSecret, adminKey: config.janusAdminKey }
  } else {
    janus = new JanusSupervisor({
      binary: config.janusBinary,
      configDir: options.janusConfigDir ?? join(resolve(config.dataDir), 'janus'),
      port: config.janusPort,
      rtpPortRange: config.janusRtpPortRange,
      iceInterfaces: config.janusIceInterfaces,
      logger,
    })
    const started = await janus.start()
    if (!started.ok) return started
    endpoint = started.value.endpoint
  }
  const recordingsDir =
    options.recordingsDir ??
    (config.janusRecordingsDir
      ? resolve(config.janusRecordingsDir)
      : janus
        ? join(resolve(config.dataDir), 'recordings')
        : undefined)
  const connected = await JanusEngine.connect({ endpoint, logger, settings: { recordingsDir } })
  if (!connected.ok) {
    await janus?.close()
    return connected
  }
  const engine = connected.value
  return {
    ok: true,
    value: {
      engine,
      janus,
      iceServers,
      close: async () => {
        engine.close()
        await janus?.close()
      },
    },
  }
}
