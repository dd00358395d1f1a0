/** Shared set-up of the media tests: quiet logs kept for failures, temp folders, polling. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { Page } from 'playwright-core'
import { createLogger, type Logger } from '@parley/server/logger'

/** A logger whose lines are kept and printed only if a test fails (CONVENTIONS §Tests). */
export function bufferedLogger(level = 'debug'): { logger: Logger; dump: () => string } {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8').trimEnd())
      if (lines.length > 2000) lines.shift()
      callback()
    },
  })
  return { logger: createLogger(level, sink), dump: () => lines.join('\n') }
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/**
 * Waits until the counter `still` stays the same across `polls` consecutive samples while `moving`
 * (another stream of the same page) advances by at least `advance` over those samples: a stream
 * that stopped, proven against one that goes on — a positive, relative condition that holds on a
 * slow machine too, where a fixed pause may see neither move. Resolves with the window's first and
 * last samples; rejects after `timeoutMs` (the stream never stopped, or nothing moved).
 */
export async function waitForStill(
  what: string,
  sample: () => Promise<{ still: number; moving: number }>,
  options: { polls?: number; advance?: number; timeoutMs?: number; everyMs?: number } = {},
): Promise<{ from: { still: number; moving: number }; to: { still: number; moving: number } }> {
  const { polls = 5, advance = 10, timeoutMs = 20_000, everyMs = 200 } = options
  const window: { still: number; moving: number }[] = []
  return waitFor(
    what,
    async () => {
      window.push(await sample())
      if (window.length > polls) window.shift()
      const from = window[0]
      const to = window[window.length - 1]
      if (window.length < polls || !from || !to) return undefined
      return to.still === from.still && to.moving - from.moving >= advance ? { from, to } : undefined
    },
    timeoutMs,
    everyMs,
  )
}

export type PeerStats = {
  connectionState: string
  iceConnectionState: string
  iceGatheringState: string
  localCandidateTypes: string[]
  framesDecoded: number
  /** Width of the last decoded frame of each inbound video stream, smallest first. */
  frameWidths: number[]
  videoStreamsDecoding: number
  audioStreamsReceiving: number
  videoPacketsReceived: number
  audioPacketsReceived: number
  audioBytesReceived: number
  framesSent: number
  audioPacketsSent: number
  selectedLocalCandidateType: string | null
  /** The address of the remote candidate of the selected pair (which server the page talks to). */
  selectedRemoteAddress: string | null
  connectedAt: number
}

type PeerOptions = {
  iceServers?: RTCIceServerLike[]
  iceTransportPolicy?: 'all' | 'relay'
  trickle?: boolean
  screen?: boolean
  simulcast?: boolean
}
type Candidate = { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }
type RTCIceServerLike = { urls: string[]; username?: string; credential?: string }

/** Typed calls into test/media/page/call-page.js. */
export function callPage(page: Page) {
  return {
    publish: (name: string, options: PeerOptions = {}) =>
      page.evaluate(([n, o]) => (globalThis as never as PageApi).parley.publish(n, o), [name, options] as const),
    mesh: (name: string, offerSdp?: string, options: PeerOptions = {}) =>
      page.evaluate(([n, s, o]) => (globalThis as never as PageApi).parley.mesh(n, s, o), [
        name,
        offerSdp,
        options,
      ] as const),
    setAnswer: (name: string, sdp: string) =>
      page.evaluate(([n, s]) => (globalThis as never as PageApi).parley.setAnswer(n, s), [name, sdp] as const),
    subscribe: (name: string, offerSdp: string, options: PeerOptions = {}) =>
      page.evaluate(([n, s, o]) => (globalThis as never as PageApi).parley.subscribe(n, s, o), [
        name,
        offerSdp,
        options,
      ] as const),
    candidates: (name: string) => page.evaluate((n) => (globalThis as never as PageApi).parley.candidates(n), name),
    stats: (name: string) => page.evaluate((n) => (globalThis as never as PageApi).parley.stats(n), name),
    playRecording: (base64: string, mime: string) =>
      page.evaluate(([b, m]) => (globalThis as never as PageApi).parley.playRecording(b, m), [base64, mime] as const),
    close: (name: string) => page.evaluate((n) => (globalThis as never as PageApi).parley.close(n), name),
  }
}

type PageApi = {
  parley: {
    publish(name: string, options: PeerOptions): Promise<string>
    mesh(name: string, offerSdp: string | undefined, options: PeerOptions): Promise<string>
    setAnswer(name: string, sdp: string): Promise<void>
    subscribe(name: string, offerSdp: string, options: PeerOptions): Promise<string>
    candidates(name: string): { candidates: Candidate[]; complete: boolean }
    stats(name: string): Promise<PeerStats>
    playRecording(
      base64: string,
      mime: string,
    ): Promise<{ currentTime: number; videoWidth: number; framesDecoded: number }>
    close(name: string): void
  }
}
