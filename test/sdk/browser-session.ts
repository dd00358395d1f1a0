/**
 * What a browser gives a page and Node does not, for the README examples marked
 * `<!-- doctest: browser-session … -->` (loaded with `node --import`, before the example):
 * `location` (the page's origin, from DOCTEST_ORIGIN) and the browser's cookie store — a stand-in,
 * named as such: cookies the server sets are kept and sent back by `fetch` and on the WebSocket
 * upgrade (with the page's Origin, as a browser sends it), for that origin only. Everything else is
 * real: the instance, HTTPS, the session cookie, the CSRF token, the SDK's own browser entry point.
 */
// eslint-disable-next-line no-restricted-properties -- the doc-test harness hands the page origin over, not server configuration
const origin = process.env.DOCTEST_ORIGIN
if (!origin) throw new TypeError('DOCTEST_ORIGIN is not set')
const page = new URL(origin)

const jar = new Map<string, string>()
const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ')

function keep(setCookies: string[]): void {
  for (const line of setCookies) {
    const [pair = '', ...attributes] = line.split(';')
    const at = pair.indexOf('=')
    if (at <= 0) continue
    const name = pair.slice(0, at).trim()
    // A cookie cleared by the server (sign-out) comes back expired: the browser forgets it.
    const expired = attributes.some((a) => {
      const [key = '', value = ''] = a.trim().split('=')
      if (key.toLowerCase() === 'max-age') return Number(value) <= 0
      if (key.toLowerCase() === 'expires') return Date.parse(value) <= Date.now()
      return false
    })
    if (expired) jar.delete(name)
    else jar.set(name, pair.slice(at + 1).trim())
  }
}

const realFetch = globalThis.fetch.bind(globalThis)
globalThis.fetch = async (input, init) => {
  const request = new Request(input, init)
  if (new URL(request.url).origin !== page.origin) return realFetch(request)
  const headers = new Headers(request.headers)
  if (jar.size > 0) headers.set('cookie', cookieHeader())
  const response = await realFetch(new Request(request, { headers }))
  keep(response.headers.getSetCookie())
  return response
}

const RealWebSocket = globalThis.WebSocket
// Node's WebSocket (undici) takes extra headers; a browser sends the cookie and its Origin itself.
const NodeWebSocket = RealWebSocket as unknown as new (
  url: string | URL,
  init: { protocols?: string | string[]; headers: Record<string, string> },
) => WebSocket
class BrowserWebSocket extends NodeWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, {
      ...(protocols === undefined ? {} : { protocols }),
      headers: { origin: page.origin, ...(jar.size > 0 ? { cookie: cookieHeader() } : {}) },
    })
  }
}
globalThis.WebSocket = BrowserWebSocket as unknown as typeof WebSocket
Object.defineProperty(globalThis, 'location', { value: page, configurable: true })
