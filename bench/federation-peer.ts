/**
 * The remote side of the federation benchmarks, in its own process so that it does not share the
 * Parley instance's event loop (remote servers never do): `sink` is an HTTPS server counting the
 * POSTs it is sent (the fan-out's 1,000 inboxes); `senders` is a fake Mastodon whose 16 senders
 * post pre-signed activities (the inbound bench). Uses the parent's local CA, so each side trusts
 * the other. Talks to the parent over IPC; see federation-fanout.ts and federation-inbound.ts.
 */
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { trustLocalCa, useLocalCa, type LocalCa } from '@parley/test/harness/local-ca.ts'
import { startFakeMastodon } from '@parley/test/harness/fake-mastodon.ts'

type Command =
  | { type: 'ca'; ca: LocalCa }
  | { type: 'deliver'; inbox: string; vars: Record<string, string> }
  | { type: 'prepare'; inbox: string; vars: Record<string, string>; count: number }
  | { type: 'run'; concurrency: number }
  | { type: 'received' }
  | { type: 'stop' }

const mode = process.argv[2]
const send = (message: unknown) => process.send?.(message)
const ca = await new Promise<LocalCa>((resolve) =>
  process.once('message', (m: Command) => m.type === 'ca' && resolve(m.ca)),
)
useLocalCa(ca)
trustLocalCa(ca)
let close = async () => {}
let received = 0
/** TLS connections the sink accepted: how well the instance's HTTP client reuses connections. */
let connections = 0
let prepared: (() => Promise<number>)[] = []
const mastodon = mode === 'senders' ? await startFakeMastodon() : null

if (mode === 'sink') {
  const sink = createServer({ key: ca.keyPem, cert: ca.certPem }, (req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.method === 'POST') received++
      res.writeHead(202).end()
    })
  })
  sink.on('secureConnection', () => connections++)
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
  send({ type: 'ready', origin: `https://127.0.0.1:${(sink.address() as AddressInfo).port}` })
  close = async () => {
    sink.closeAllConnections()
    sink.close()
  }
} else if (mastodon) {
  send({ type: 'ready', origin: mastodon.origin, host: mastodon.host })
  close = () => mastodon.close()
} else throw new TypeError(`unknown mode ${mode}`)

process.on('message', (command: Command) => {
  void (async () => {
    switch (command.type) {
      case 'received':
        return send({ type: 'received', received, connections })
      case 'deliver':
        return send({
          type: 'delivered',
          status: (await mastodon!.deliver(command.inbox, mastodon!.fixture('create-direct-note.json', command.vars)))
            .status,
        })
      case 'prepare':
        prepared = Array.from({ length: command.count }, () =>
          mastodon!.prepare(command.inbox, mastodon!.fixture('create-direct-note.json', command.vars)),
        )
        return send({ type: 'prepared' })
      case 'run': {
        // The 16 senders: each posts the next prepared request as soon as its previous one is answered.
        const latencies: number[] = []
        let next = 0
        let failures = 0
        const cpuBefore = process.cpuUsage()
        await Promise.all(
          Array.from({ length: command.concurrency }, async () => {
            while (next < prepared.length) {
              const request = prepared[next++]
              if (!request) break
              const t0 = performance.now()
              const status = await request()
              latencies.push(performance.now() - t0)
              if (status !== 202) failures++
            }
          }),
        )
        const cpu = process.cpuUsage(cpuBefore)
        return send({ type: 'ran', latencies, failures, cpuMs: (cpu.user + cpu.system) / 1000 })
      }
      case 'stop':
        await close()
        process.exit(0)
    }
  })()
})
