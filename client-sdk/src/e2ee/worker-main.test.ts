/**
 * The encryption worker's own source (what browsers run: e2eeWorkerSource(), the functions as
 * text) evaluated in a fresh V8 context, with Web Streams standing in for the encoded-transform
 * streams a browser hands it. The real thing runs in Chromium in test/media/call-e2ee-*.test.ts.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { runInNewContext } from 'node:vm'
import { frameCrypto, type FrameKey } from './frame-crypto.ts'
import { e2eeWorkerSource, type FromWorker, type ToWorker } from './worker-main.ts'

const fc = frameCrypto()
type Frame = { data: ArrayBuffer; type?: string }

function startWorker() {
  const posted: FromWorker[] = []
  const scope: { postMessage(m: FromWorker): void; onmessage: ((e: { data: ToWorker }) => void) | null } = {
    postMessage: (m) => posted.push(m),
    onmessage: null,
  }
  runInNewContext(e2eeWorkerSource(), {
    self: scope,
    crypto,
    performance,
    TransformStream,
    TextEncoder,
    Uint8Array,
    Map,
    Set,
    Math,
    Number,
    JSON,
    Promise,
  })
  const send = (m: ToWorker) => scope.onmessage?.({ data: m })
  /** One transform: frames in, frames out (what the worker lets through). */
  const transform = (operation: 'encrypt' | 'decrypt', kind: 'audio' | 'video', id: number) => {
    const input = new TransformStream<Frame, Frame>()
    const output: Frame[] = []
    const sentinels = new Set<Frame>()
    const writable = new WritableStream<Frame>({
      write: (f) => void (sentinels.has(f) ? sentinels.delete(f) : output.push(f)),
    })
    send({ type: 'stream', operation, kind, id, readable: input.readable, writable })
    const writer = input.writable.getWriter()
    return {
      output,
      /** Writes the frames, then an empty frame (passed as is) and waits for it: all before it were handled. */
      async push(...frames: Frame[]) {
        const sentinel = { data: new ArrayBuffer(0) }
        sentinels.add(sentinel)
        for (const frame of [...frames, sentinel]) await writer.write(frame)
        for (let i = 0; sentinels.has(sentinel); i++) {
          if (i > 2000) throw new Error('the worker does not answer')
          await new Promise((r) => setTimeout(r, 1))
        }
      },
    }
  }
  const stats = async () => {
    send({ type: 'stats', requestId: 1 })
    const reply = posted.findLast((m) => m.type === 'stats')
    assert.ok(reply && reply.type === 'stats')
    return JSON.parse(JSON.stringify(reply.stats)) as typeof reply.stats
  }
  return { posted, send, transform, stats }
}

const vp8Key = (n: number) => ({
  data: Uint8Array.from([0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, ...new Array(n).fill(n % 251)])
    .buffer,
  type: 'key',
})
const vp8Delta = (n: number) => ({
  data: Uint8Array.from([0x31, 0x02, 0x00, ...new Array(n).fill(9)]).buffer,
  type: 'delta',
})

describe('the encryption worker (its source, as browsers run it)', () => {
  it('encrypts every frame with the sending key and one counter across streams, decrypts them for the owner of the receiving stream, and drops what does not decrypt', async () => {
    const sender = startWorker()
    const receiver = startWorker()
    const base = crypto.getRandomValues(new Uint8Array(16))
    const key: FrameKey = await fc.deriveFrameKey(base, 1)

    // No key yet: nothing goes out, not even unencrypted.
    const video = sender.transform('encrypt', 'video', 1)
    await video.push(vp8Key(50))
    assert.equal(video.output.length, 0)
    assert.equal((await sender.stats()).dropped.noSendKey, 1)

    sender.send({ type: 'send-key', kid: 1, key })
    const audio = sender.transform('encrypt', 'audio', 2)
    await video.push(vp8Key(60), vp8Delta(30))
    await audio.push({ data: Uint8Array.from([0x78, 1, 2, 3]).buffer })
    const sent = [...video.output, ...audio.output]
    assert.equal(sent.length, 3)
    const ctrs = sent.map((f, i) => {
      const bytes = new Uint8Array(f.data)
      const prefix = i === 0 ? 10 : i === 1 ? 3 : 1
      return fc.decodeHeader(bytes, prefix)
    })
    assert.deepEqual(
      ctrs.map((h) => h && [h.kid, h.ctr]),
      [
        [1, 0],
        [1, 1],
        [1, 2],
      ],
      'one counter for every stream of the key',
    )
    assert.deepEqual(
      [...new Uint8Array(sent[0]?.data as ArrayBuffer).subarray(0, 10)],
      [0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00],
    )

    // The receiver: no owner for the stream yet → dropped; no key → dropped and asked for.
    const incoming = receiver.transform('decrypt', 'video', 7)
    await incoming.push(video.output[0] as Frame)
    receiver.send({ type: 'owner', id: 7, participantId: 'alice' })
    const again = await (async () => {
      const sealed = await fc.encryptFrame(new Uint8Array(vp8Key(60).data), 10, key, 1, 9)
      return { data: (sealed as Uint8Array).buffer as ArrayBuffer, type: 'key' }
    })()
    await incoming.push(again)
    assert.equal(incoming.output.length, 0)
    const plain = (m: unknown) => JSON.parse(JSON.stringify(m)) as unknown
    assert.deepEqual(plain(receiver.posted.find((m) => m.type === 'need-key')), {
      type: 'need-key',
      participantId: 'alice',
      kid: 1,
    })
    receiver.send({ type: 'receive-key', participantId: 'alice', kid: 1, key: await fc.deriveFrameKey(base, 1) })
    await incoming.push(again)
    assert.equal(incoming.output.length, 1)
    assert.deepEqual(new Uint8Array(incoming.output[0]?.data as ArrayBuffer), new Uint8Array(vp8Key(60).data))
    assert.deepEqual(plain(receiver.posted.find((m) => m.type === 'decrypting')), {
      type: 'decrypting',
      participantId: 'alice',
      ok: true,
    })

    // An unencrypted frame (a sender that does not encrypt) and a frame under another key: dropped.
    await incoming.push(vp8Key(60))
    const other = await fc.encryptFrame(
      new Uint8Array(vp8Key(60).data),
      10,
      await fc.deriveFrameKey(new Uint8Array(16), 1),
      1,
      3,
    )
    await incoming.push({ data: (other as Uint8Array).buffer as ArrayBuffer, type: 'key' })
    assert.equal(incoming.output.length, 1)
    const stats = await receiver.stats()
    assert.equal(stats.decrypted.video.frames, 1)
    assert.equal(stats.dropped.noOwner, 1)
    // Before the key, the unencrypted frame (its bytes read as some unknown KID or as garbage), the other key's.
    const { unknownKey, authentication, malformed } = stats.dropped
    assert.equal(unknownKey + authentication + malformed, 3, JSON.stringify(stats.dropped))
    assert.ok(authentication >= 1, 'the frame under another key fails authentication')
  })

  it('discards the late frames of someone who left as departed, not as lost, and asks no key for them; a key from them again counts them back in', async () => {
    const receiver = startWorker()
    const base = crypto.getRandomValues(new Uint8Array(16))
    const key = await fc.deriveFrameKey(base, 0)
    receiver.send({ type: 'receive-key', participantId: 'carol', kid: 0, key })
    receiver.send({ type: 'owner', id: 3, participantId: 'carol' })
    const incoming = receiver.transform('decrypt', 'video', 3)
    const sealed = async (ctr: number) => ({
      data: ((await fc.encryptFrame(new Uint8Array(vp8Key(40).data), 10, key, 0, ctr)) as Uint8Array)
        .buffer as ArrayBuffer,
      type: 'key',
    })
    await incoming.push(await sealed(0))
    assert.equal(incoming.output.length, 1)

    // carol left; a frame of hers still in flight arrives after her keys were forgotten.
    receiver.send({ type: 'forget', participantId: 'carol' })
    await incoming.push(await sealed(1))
    assert.equal(incoming.output.length, 1, 'the late frame is not passed on')
    const stats = await receiver.stats()
    assert.equal(stats.fromDeparted, 1)
    assert.deepEqual(stats.dropped, { noSendKey: 0, unknownKey: 0, authentication: 0, malformed: 0, noOwner: 0 })
    assert.equal(
      receiver.posted.some((m) => m.type === 'need-key'),
      false,
    )

    // The same participant back in the call with a key: its frames decrypt again.
    receiver.send({ type: 'receive-key', participantId: 'carol', kid: 0, key })
    await incoming.push(await sealed(2))
    assert.equal(incoming.output.length, 2)
  })
})
