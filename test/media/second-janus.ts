/**
 * A second instance's Janus in the test namespace: on 127.0.0.3, which this helper puts on the veth
 * pair's other end (`parley1`; run.ts made the pair and we are root in the namespace). The first
 * Janus (janus-fixture.ts) stays on 127.0.0.2, so each instance's media has its own address.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { networkInterfaces } from 'node:os'
import { JanusEngine, JanusSupervisor, type JanusEndpoint, type Router } from '@parley/server/media'
import { bufferedLogger, tempDir } from './harness.ts'

export const B_INTERFACE = 'parley1'
export const B_ADDRESS = '127.0.0.3'

export type SecondJanus = {
  engine: JanusEngine
  /** Its WebSocket API, for another server node's engine on the same Janus. */
  endpoint: JanusEndpoint
  newRouter(callId: string): Promise<Router>
  /** A crash (fault injection): Janus is killed; its supervisor starts it again and the engine reconnects. */
  kill(): void
  close(): Promise<void>
}

export async function startSecondJanus(rtpPortRange: string): Promise<SecondJanus> {
  // Once per namespace: a second test file in the same run finds the address there already.
  if (!(networkInterfaces()[B_INTERFACE] ?? []).some((a) => a.address === B_ADDRESS))
    execFileSync('ip', ['addr', 'add', `${B_ADDRESS}/32`, 'dev', B_INTERFACE], { stdio: 'pipe' })
  const { logger } = bufferedLogger('info')
  const dir = await tempDir('parley-janus-b-')
  const supervisor = new JanusSupervisor({
    binary: '/usr/bin/janus',
    configDir: dir.path,
    port: 0,
    rtpPortRange,
    iceInterfaces: [B_INTERFACE],
    logger,
  })
  const started = await supervisor.start()
  assert.ok(started.ok, JSON.stringify(!started.ok && started.error))
  const connected = await JanusEngine.connect({ endpoint: started.value.endpoint, logger })
  assert.ok(connected.ok)
  const engine = connected.value
  return {
    engine,
    endpoint: started.value.endpoint,
    async newRouter(callId) {
      const created = await engine.createRouter({ callId })
      assert.ok(created.ok, JSON.stringify(!created.ok && created.error))
      return created.value
    },
    kill() {
      const pid = supervisor.pid
      assert.ok(pid, 'Janus B runs')
      process.kill(pid, 'SIGKILL')
    },
    async close() {
      engine.close()
      await supervisor.close()
      await dir.remove()
    },
  }
}
