/**
 * The private configuration folder Parley writes for the Janus it supervises. Debian's /etc/janus is
 * never read: it enables every plugin and transport, serves HTTP on 0.0.0.0 and ships a well-known
 * admin secret. Ours loads only the VideoRoom plugin and the WebSocket transport (through folders
 * holding links to just those two libraries), binds the API to 127.0.0.1, requires an api_secret
 * and a VideoRoom admin_key, fixes the RTP port range and names the ICE interfaces explicitly.
 */
import { existsSync } from 'node:fs'
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export type JanusConfigOptions = {
  /** WebSocket API port on 127.0.0.1. */
  port: number
  apiSecret: string
  adminKey: string
  /** Janus's own admin API is not enabled; its secret is still set to something nobody knows. */
  adminSecret: string
  rtpPortRange: string
  /** ice_enforce_list: interface names or address prefixes. */
  iceInterfaces: readonly string[]
  /** Folder holding Debian's Janus plugins/ and transports/ (see findJanusLibDir). */
  libDir: string
  debugLevel?: number
  sessionTimeoutSeconds?: number
}

export const JANUS_CONFIG_FILE = 'janus.jcfg'

/** Where Debian puts Janus's shared objects on this machine, if anywhere. */
export function findJanusLibDir(
  candidates = [
    '/usr/lib/x86_64-linux-gnu/janus',
    '/usr/lib/aarch64-linux-gnu/janus',
    '/usr/lib/janus',
    '/usr/local/lib/janus',
  ],
): string | undefined {
  return candidates.find((dir) => existsSync(join(dir, 'plugins', 'libjanus_videoroom.so')))
}

/** The file names and contents of the private config (pure, so it is unit-tested). */
export function janusConfigFiles(dir: string, options: JanusConfigOptions): Record<string, string> {
  for (const value of [
    options.apiSecret,
    options.adminKey,
    options.adminSecret,
    options.rtpPortRange,
    ...options.iceInterfaces,
  ]) {
    if (!/^[\w.:/-]+$/.test(value))
      throw new TypeError(`value not allowed in the Janus config: ${JSON.stringify(value)}`)
  }
  if (options.iceInterfaces.length === 0)
    throw new TypeError('iceInterfaces must name at least one interface: Janus silently uses every interface otherwise')
  const q = (value: string) => `"${value}"`
  return {
    [JANUS_CONFIG_FILE]: `# Written by Parley at every start; edits are lost. Debian's default config is never read.
general: {
\tconfigs_folder = ${q(dir)}
\tplugins_folder = ${q(join(dir, 'plugins'))}
\ttransports_folder = ${q(join(dir, 'transports'))}
\tevents_folder = ${q(join(dir, 'events'))}
\tloggers_folder = ${q(join(dir, 'loggers'))}
\tdebug_level = ${options.debugLevel ?? 4}
\tdebug_timestamps = true
\tdebug_colors = false
\tserver_name = "parley"
\tapi_secret = ${q(options.apiSecret)}
\tadmin_secret = ${q(options.adminSecret)}
\tsession_timeout = ${options.sessionTimeoutSeconds ?? 60}
\thide_dependencies = true
}
certificates: {
}
media: {
\trtp_port_range = ${q(options.rtpPortRange)}
}
nat: {
\tnice_debug = false
\tice_enforce_list = ${q(options.iceInterfaces.join(','))}
\tice_tcp = false
}
plugins: {
}
transports: {
}
loggers: {
}
events: {
\tbroadcast = false
}
`,
    'janus.plugin.videoroom.jcfg': `# Written by Parley. No static rooms: Parley creates one room per call, with the admin_key.
general: {
\tadmin_key = ${q(options.adminKey)}
\tlock_rtp_forward = true
\tstring_ids = false
}
`,
    'janus.transport.websockets.jcfg': `# Written by Parley: the API on 127.0.0.1 only, no TLS (loopback), no admin API.
general: {
\tjson = "compact"
\tws = true
\tws_port = ${options.port}
\tws_ip = "127.0.0.1"
\twss = false
}
admin: {
\tadmin_ws = false
\tadmin_wss = false
}
`,
  }
}

/** Writes the folder afresh (mode 0700: it holds secrets) and returns the main config file's path. */
export async function writeJanusConfig(dir: string, options: JanusConfigOptions): Promise<string> {
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true, mode: 0o700 })
  for (const sub of ['plugins', 'transports', 'events', 'loggers']) await mkdir(join(dir, sub), { mode: 0o700 })
  await symlink(join(options.libDir, 'plugins', 'libjanus_videoroom.so'), join(dir, 'plugins', 'libjanus_videoroom.so'))
  await symlink(
    join(options.libDir, 'transports', 'libjanus_websockets.so'),
    join(dir, 'transports', 'libjanus_websockets.so'),
  )
  for (const [name, text] of Object.entries(janusConfigFiles(dir, options)))
    await writeFile(join(dir, name), text, { mode: 0o600 })
  return join(dir, JANUS_CONFIG_FILE)
}
