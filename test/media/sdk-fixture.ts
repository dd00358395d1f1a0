/**
 * End-to-end call tests through the real server: a Parley instance listening on 127.0.0.1 (its
 * realtime gateway and call service on a given media engine), Chromium pages running
 * @parley/client's CallClient (test/media/page/sdk-page.js), and people with API tokens.
 */
import type { Page } from 'playwright-core'
import { ParleyClient } from '@parley/client'
import { startTestInstance, type TestInstance, type TestInstanceOptions } from '@parley/server/testing'
import type { LaunchedChromium } from './chromium.ts'
import type { PageServer } from './page-server.ts'

export type Person = { name: string; id: string; token: string; rest: ParleyClient }

type Stats = {
  framesDecoded: number
  videoStreamsDecoding: number
  audioStreamsReceiving: number
  audioPacketsReceived: number
  frameWidths: number[]
  states: string[]
  selectedLocalCandidateTypes: (string | null)[]
  tracks: number
  errors: string[]
  /** ICE gathering state of every connection, publishers included. */
  gathering: string[]
}
type StartResult =
  | {
      ok: true
      participantId: string
      engine: 'mesh' | 'sfu'
      welcomedMs: number
      joinedMs: number
      startedAt: number
      e2ee: { enabled: boolean }
    }
  | { ok: false; code: string }
type StartOptions = {
  roomId: string
  media: { audio: boolean; video: boolean; screen: boolean }
  simulcast?: boolean
  iceServers?: unknown
  iceTransportPolicy?: 'all' | 'relay'
  /** CallClient's e2ee option, e.g. { required: true } for a room with e2ee. */
  e2ee?: { required?: boolean; switchTimeoutMs?: number }
}

/** Typed calls into window.app of sdk-page.js. */
export function sdkPage(page: Page, base: string, person: Person) {
  type App = Record<string, (...args: never[]) => unknown>
  const call = <T>(method: string, ...args: unknown[]): Promise<T> =>
    page.evaluate(
      ([m, a]) =>
        ((globalThis as never as { app: App }).app[m as string] as (...x: unknown[]) => unknown)(...(a as unknown[])),
      [method, args] as const,
    ) as Promise<T>
  return {
    page,
    person,
    start: (options: StartOptions) => call<StartResult>('start', { baseUrl: base, token: person.token, ...options }),
    stats: () => call<Stats>('stats'),
    /** What the page's publishers have sent so far. */
    sent: () => call<{ framesSent: number; audioPacketsSent: number }>('sent'),
    /** A round trip on the page's realtime connection (what the server sent before it has arrived). */
    ping: () => call<boolean>('ping'),
    /** The selected candidate pair's remote address of every connection, publishers included. */
    remoteAddresses: () => call<(string | null)[]>('remoteAddresses'),
    firstFrame: (startedAt: number) => call<number>('firstFrame', startedAt),
    framesByFeed: () => call<Record<string, number>>('framesByFeed'),
    frames: <T = Record<string, unknown>>(type?: string) => call<T[]>('frames', type),
    participants: () =>
      call<
        {
          participantId: string
          actor: { id: string }
          media: { audio: boolean; video: boolean }
          handRaised: boolean
        }[]
      >('participants'),
    feeds: () => call<{ feedId: string; participantId: string; source: string }[]>('feeds'),
    update: (changes: Record<string, unknown>) => call<void>('update', changes),
    shareScreen: () => call<void>('shareScreen'),
    switchCamera: (width?: number, height?: number) => call<void>('switchCamera', width, height),
    request: (method: string, ...args: unknown[]) => call<{ ok: boolean; code?: string }>('request', method, ...args),
    playRecording: (base64: string, mime: string) =>
      call<{ currentTime: number; videoWidth: number; framesDecoded: number }>('playRecording', base64, mime),
    close: () => call<void>('close'),
  }
}
export type SdkPage = ReturnType<typeof sdkPage>

export type CallInstance = {
  instance: TestInstance
  base: string
  person(name: string): Promise<Person>
  /** A page of test/media/page running the SDK (sdk.html, or a variant such as sdk-streams.html). */
  open(person: Person, page?: string): Promise<SdkPage>
  closePages(): Promise<void>
  close(): Promise<void>
}

export async function startCallInstance(
  chromium: LaunchedChromium,
  pages: PageServer,
  options: TestInstanceOptions = {},
): Promise<CallInstance> {
  const instance = await startTestInstance(options)
  const base = await instance.listen()
  const open = new Set<Page>()
  return {
    instance,
    base,
    async person(name) {
      const u = await instance.user(name)
      return {
        name,
        id: u.user.id,
        token: u.token,
        rest: new ParleyClient({ baseUrl: base, auth: { token: u.token } }),
      }
    },
    async open(person, name = 'sdk.html') {
      const page = await chromium.context.newPage()
      open.add(page)
      await page.goto(pages.page(name))
      await page.waitForFunction(() => 'app' in globalThis)
      return sdkPage(page, base, person)
    },
    async closePages() {
      for (const page of open) await page.close().catch(() => {})
      open.clear()
    },
    async close() {
      for (const page of open) await page.close().catch(() => {})
      await instance.close()
    },
  }
}
