/**
 * Where the time of a federation benchmark went, from its CPU profile: self time by kind of work
 * (JSON-LD parsing, SQLite, HTTP, crypto, Fedify's own machinery…), per activity or delivery, with
 * start-up (module loading, the bench's key generation and local CA) and idle time left out.
 * docs/federation-performance.md quotes its output.
 * Run: node --cpu-prof --cpu-prof-dir=/tmp/prof bench/federation-inbound.ts 1000 1
 *      node bench/profile-summary.ts /tmp/prof/CPU.….cpuprofile 1000
 */
import { readFileSync } from 'node:fs'

type CallFrame = { functionName: string; url: string }
type Profile = { nodes: { id: number; callFrame: CallFrame }[]; samples: number[]; timeDeltas: number[] }

const [file, countArg] = process.argv.slice(2)
if (!file) throw new TypeError('usage: profile-summary.ts <file.cpuprofile> [activities]')
const count = Number(countArg ?? 1000)

const IDLE = 'idle'
const START_UP = 'start-up (module loading, key generation, local CA)'
/** First match wins; tested against the frame's URL, then `url functionName`. */
const KINDS: [string, RegExp][] = [
  [IDLE, /^\(idle\)$/],
  [
    START_UP,
    /node:internal\/modules|keygen|node-forge|internalModuleStat|readFileUtf8|realpath|amaro|wasm:|typebox|ajv|lstat|compileSourceTextModule|wrapSafe/,
  ],
  ['JSON-LD parsing (@fedify/vocab, jsonld)', /@fedify\/vocab|\/jsonld\//],
  ['SQLite (queue, KV cache, store)', /sqlite|group-commit/],
  [
    'HTTP (undici, streams, Fastify, socket writes)',
    /undici|writev|_http|streams|fastify|find-my-way|node:net|tls|stream_base|webidl/,
  ],
  ['crypto (signatures, digests)', /crypto/],
  [
    'Fedify machinery (routing, Temporal, OpenTelemetry, LogTape)',
    /@fedify\/fedify|uri-template|temporal|jsbi|opentelemetry|logtape|urlpattern/,
  ],
  ['garbage collection', /garbage collector/],
  ['JSON.parse / stringify', /^parse$|^stringify$/],
  ['logging (pino)', /pino/],
]

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]))
const byKind = new Map<string, number>()
for (const [i, id] of profile.samples.entries()) {
  const frame = frames.get(id)!
  const kind =
    KINDS.find(
      ([, pattern]) =>
        pattern.test(frame.url || frame.functionName) || pattern.test(`${frame.url} ${frame.functionName}`),
    )?.[0] ?? 'other (Parley, Node internals)'
  byKind.set(kind, (byKind.get(kind) ?? 0) + (profile.timeDeltas[i] ?? 0))
}
const busy = [...byKind].filter(([kind]) => kind !== IDLE && kind !== START_UP).reduce((sum, [, us]) => sum + us, 0)
console.log(`busy (without start-up and idle): ${(busy / 1000 / count).toFixed(2)} ms per item over ${count}`)
for (const [kind, us] of [...byKind].sort((a, b) => b[1] - a[1])) {
  if (kind === IDLE || kind === START_UP) continue
  console.log(`  ${((us / busy) * 100).toFixed(1).padStart(5)} %  ${(us / 1000 / count).toFixed(2)} ms  ${kind}`)
}
