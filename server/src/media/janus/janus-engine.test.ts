/**
 * JanusEngine and JanusSupervisor against Debian's real Janus, without media (media flows in
 * test/media, inside a private network namespace). Janus is installed by .ci/install-media-deps.sh.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '../../logger.ts'
import { JanusConnection } from './janus-connection.ts'
import { JanusEngine } from './janus-engine.ts'
import { VIDEOROOM } from './janus-router.ts'
import { JanusSupervisor, janusAnswers, type JanusEndpoint } from './janus-supervisor.ts'
import { freePort } from '../process/supervised-process.ts'

const JANUS = '/usr/bin/janus'
const logger = createLogger('silent')
let dir = ''
let supervisor: JanusSupervisor
let endpoint: JanusEndpoint
let engine: JanusEngine

const PCMU_ONLY = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=fingerprint:sha-256 10:7C:A9:FD:1A:3A:AA:39:53:C4:07:6E:F3:4F:D7:3C:DE:25:92:F8:85:6C:B7:A6:CF:1F:71:77:87:E1:4D:67',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'm=audio 9 UDP/TLS/RTP/SAVPF 0',
  'c=IN IP4 0.0.0.0',
  'a=rtpmap:0 PCMU/8000',
  'a=sendonly',
  'a=mid:0',
  'a=setup:actpass',
  'a=rtcp-mux',
  '',
].join('\r\n')

before(async () => {
  assert.ok(
    existsSync(JANUS),
    `${JANUS} is missing: these tests need Debian's janus package (.ci/install-media-deps.sh)`,
  )
  dir = await mkdtemp(join(tmpdir(), 'parley-janus-test-'))
  // No media flows here, so which interface ICE may use does not matter; 'lo' keeps the list explicit.
  supervisor = new JanusSupervisor({
    binary: JANUS,
    configDir: join(dir, 'janus'),
    port: 0,
    rtpPortRange: '21000-21099',
    iceInterfaces: ['lo'],
    logger,
    restartDelayMs: 50,
  })
  const started = await supervisor.start()
  assert.ok(started.ok, JSON.stringify(!started.ok && started.error))
  endpoint = started.value.endpoint
  const connected = await JanusEngine.connect({ endpoint, logger, reconnectDelayMs: 50 })
  assert.ok(connected.ok, JSON.stringify(!connected.ok && connected.error))
  engine = connected.value
})

after(async () => {
  engine?.close()
  await supervisor?.close()
  await rm(dir, { recursive: true, force: true })
})

test('JanusSupervisor runs Janus with only the VideoRoom plugin and the WebSocket transport, behind the api secret (needs Janus)', async () => {
  assert.match(endpoint.url, /^ws:\/\/127\.0\.0\.1:\d+$/)
  const opened = await JanusConnection.open({ url: endpoint.url, apiSecret: endpoint.apiSecret, logger })
  assert.ok(opened.ok)
  const info = await opened.value.info()
  assert.ok(info.ok)
  assert.equal(info.value.version, '1.1.2')
  assert.deepEqual(info.value.plugins, ['janus.plugin.videoroom'])
  assert.deepEqual(info.value.transports, ['janus.transport.websockets'])
  opened.value.close()
  const stranger = await JanusConnection.open({ url: endpoint.url, apiSecret: 'guessed', logger })
  assert.ok(stranger.ok)
  assert.deepEqual(await stranger.value.createSession(), {
    ok: false,
    error: { type: 'janus-error', code: 403, message: 'Unauthorized request (wrong or missing secret/token)' },
  })
  stranger.value.close()
})

test('JanusHandle.message() lifts plugin errors out of "success" replies (needs Janus)', async () => {
  const opened = await JanusConnection.open({ url: endpoint.url, apiSecret: endpoint.apiSecret, logger })
  assert.ok(opened.ok)
  const session = await opened.value.createSession()
  assert.ok(session.ok)
  const handle = await session.value.attach(VIDEOROOM)
  assert.ok(handle.ok)
  assert.deepEqual(await handle.value.message({ request: 'create', room: 4242 }), {
    ok: false,
    error: { type: 'plugin-error', code: 429, message: 'Missing mandatory element (admin_key)' },
  })
  const joined = await handle.value.message({ request: 'join', ptype: 'publisher', room: 4243 })
  assert.deepEqual(joined, { ok: false, error: { type: 'plugin-error', code: 426, message: 'No such room (4243)' } })
  handle.value.close()
  assert.equal(session.value.handles.size, 0)
  session.value.close()
  assert.equal(opened.value.sessions.size, 0)
  opened.value.close()
})

test('JanusEngine refuses SDP that is not SDP, SDP Janus cannot use, offers without a usable codec and unknown producers (needs Janus)', async () => {
  const router = await engine.createRouter({ callId: 'bad-input' })
  assert.ok(router.ok)
  const send = await router.value.createSendTransport({ participantId: 'p' })
  assert.ok(send.ok)
  const notSdp = await send.value.produce({ source: 'camera', offerSdp: 'hello' })
  assert.equal(!notSdp.ok && notSdp.error.type, 'invalid-sdp')
  const noIce = await send.value.produce({
    source: 'camera',
    offerSdp: PCMU_ONLY.replace(/a=ice-(ufrag|pwd):\w+\r\n/g, '').replace(/a=fingerprint:.*\r\n/, ''),
  })
  assert.deepEqual(noIce, { ok: false, error: { type: 'invalid-sdp', message: 'Error processing SDP' } })
  const send2 = await router.value.createSendTransport({ participantId: 'q' })
  assert.ok(send2.ok)
  const pcmu = await send2.value.produce({ source: 'camera', offerSdp: PCMU_ONLY })
  assert.equal(!pcmu.ok && pcmu.error.type, 'no-usable-codec')
  assert.equal(router.value.producers.size, 0)
  const recv = await router.value.createRecvTransport({ participantId: 'r' })
  assert.ok(recv.ok)
  assert.deepEqual(await recv.value.consume({ producerIds: ['12345'] }), {
    ok: false,
    error: { type: 'producer-not-found', producerId: '12345' },
  })
  await assert.rejects(recv.value.consume({ producerIds: [] }), TypeError)
  assert.equal(router.value.transports.size, 3)
  router.value.close()
  router.value.close()
  assert.equal(router.value.transports.size, 0)
  assert.equal(engine.routers.size, 0)
  await assert.rejects(router.value.createSendTransport({ participantId: 'p' }), { name: 'InvalidStateError' })
})

test("JanusEngine: the Janus room of an end-to-end encrypted call takes only publishers that declare it; Parley's own transports do (needs Janus)", async () => {
  const router = await engine.createRouter({ callId: 'secret', e2ee: true })
  assert.ok(router.ok)
  // Straight on Janus, a publisher that does not say it encrypts: Janus itself refuses it.
  const opened = await JanusConnection.open({ url: endpoint.url, apiSecret: endpoint.apiSecret, logger })
  assert.ok(opened.ok)
  const session = await opened.value.createSession()
  assert.ok(session.ok)
  const handle = await session.value.attach(VIDEOROOM)
  assert.ok(handle.ok)
  assert.ok((await handle.value.message({ request: 'join', ptype: 'publisher', room: router.value.roomId })).ok)
  assert.deepEqual(await handle.value.message({ request: 'publish' }, { type: 'offer', sdp: PCMU_ONLY }), {
    ok: false,
    error: { type: 'plugin-error', code: 433, message: 'Room requires end-to-end encrypted media' },
  })
  opened.value.close()
  // A send transport of the call declares it: Janus goes on to the offer (which has no codec it takes).
  const send = await router.value.createSendTransport({ participantId: 'p' })
  assert.ok(send.ok)
  const pcmu = await send.value.produce({ source: 'camera', offerSdp: PCMU_ONLY })
  assert.equal(!pcmu.ok && pcmu.error.type, 'no-usable-codec')
  router.value.close()
})

test('JanusEngine closes its routers when Janus dies and comes back once the supervisor restarted it (needs Janus)', async () => {
  const router = await engine.createRouter({ callId: 'doomed' })
  assert.ok(router.ok)
  const closed = new Promise<string>((resolve) => router.value.observer.once('close', resolve))
  const unavailable = new Promise<string>((resolve) => engine.observer.once('unavailable', resolve))
  const available = new Promise<void>((resolve) => engine.observer.once('available', resolve))
  const restarted = new Promise<number>((resolve) =>
    supervisor.observer.once('ready', (info) => resolve(info.restarts)),
  )
  const pid = supervisor.pid
  assert.ok(pid)
  process.kill(pid, 'SIGKILL')
  assert.match(await closed, /Janus connection lost/)
  assert.match(await unavailable, /Janus/)
  assert.equal(engine.routers.size, 0)
  assert.equal(await restarted, 1)
  assert.notEqual(supervisor.pid, pid)
  await available
  const again = await engine.createRouter({ callId: 'after-restart' })
  assert.ok(again.ok, JSON.stringify(!again.ok && again.error))
  again.value.close()
})

test("JanusSession keepalives hold a session open past Janus's session_timeout; a silent one is timed out and closes (needs Janus)", async () => {
  const scratch = await mkdtemp(join(tmpdir(), 'parley-janus-timeout-'))
  const short = new JanusSupervisor({
    binary: JANUS,
    configDir: join(scratch, 'janus'),
    port: 0,
    rtpPortRange: '21100-21199',
    iceInterfaces: ['lo'],
    logger,
    sessionTimeoutSeconds: 2,
  })
  try {
    const started = await short.start()
    assert.ok(started.ok)
    const opened = await JanusConnection.open({
      url: started.value.endpoint.url,
      apiSecret: started.value.endpoint.apiSecret,
      logger,
    })
    assert.ok(opened.ok)
    const kept = await opened.value.createSession({ keepaliveMs: 500 })
    const silent = await opened.value.createSession({ keepaliveMs: 60_000 })
    assert.ok(kept.ok && silent.ok)
    const timedOut = new Promise<string>((resolve) => silent.value.observer.once('close', resolve))
    assert.equal(await timedOut, 'Janus timed the session out')
    assert.equal(silent.value.closed, true)
    assert.equal(kept.value.closed, false)
    const handle = await kept.value.attach(VIDEOROOM)
    assert.ok(handle.ok, 'the kept-alive session still works')
    opened.value.close()
    assert.equal(kept.value.closed, true)
    assert.equal(handle.value.closed, true)
  } finally {
    await short.close()
    await rm(scratch, { recursive: true, force: true })
  }
})

test('JanusSupervisor stops a Janus left over on its config folder by an earlier run before starting its own (needs Janus)', async () => {
  const scratch = await mkdtemp(join(tmpdir(), 'parley-janus-stale-'))
  const configDir = join(scratch, 'janus')
  const port = await freePort()
  const options = { binary: JANUS, configDir, port, rtpPortRange: '21200-21299', iceInterfaces: ['lo'], logger }
  const first = new JanusSupervisor(options)
  const second = new JanusSupervisor(options)
  let orphan: ReturnType<typeof spawn> | undefined
  try {
    const started = await first.start()
    assert.ok(started.ok)
    await first.close()
    // The earlier Parley died without stopping its Janus: an orphan serves the same folder and port.
    orphan = spawn(JANUS, ['--configs-folder', configDir, '--config', join(configDir, 'janus.jcfg')], {
      stdio: 'ignore',
      detached: true,
    })
    const deadline = Date.now() + 5000
    while (!(await janusAnswers(started.value.endpoint, logger)) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 25))
    assert.equal(await janusAnswers(started.value.endpoint, logger), true, 'the orphan serves')
    await writeFile(join(configDir, 'janus.pid'), `${orphan.pid}\n`)
    const exited = new Promise((resolve) => orphan?.once('exit', resolve))
    const again = await second.start()
    assert.ok(again.ok, JSON.stringify(!again.ok && again.error))
    await exited
    assert.notEqual(second.pid, orphan.pid)
    assert.equal(await janusAnswers(again.value.endpoint, logger), true)
  } finally {
    if (orphan?.exitCode === null && orphan.signalCode === null) orphan.kill('SIGKILL')
    await first.close()
    await second.close()
    await rm(scratch, { recursive: true, force: true })
  }
})
