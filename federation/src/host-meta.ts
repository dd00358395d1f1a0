/**
 * `/.well-known/host-meta` (RFC 6415), which Fedify does not serve: older peers find WebFinger
 * through it. XRD by default, JRD when asked for JSON.
 */
export const HOST_META_PATH = '/.well-known/host-meta'

export function hostMetaResponse(request: Request, origin: string): Response {
  const template = `${origin}/.well-known/webfinger?resource={uri}`
  const accept = request.headers.get('accept') ?? ''
  const wantsJson = new URL(request.url).pathname.endsWith('.json') || /application\/(jrd\+)?json/.test(accept)
  if (wantsJson) {
    return new Response(JSON.stringify({ links: [{ rel: 'lrdd', template }] }), {
      headers: { 'content-type': 'application/jrd+json; charset=utf-8', 'access-control-allow-origin': '*' },
    })
  }
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n' +
    `  <Link rel="lrdd" template="${template.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"/>\n` +
    '</XRD>\n'
  return new Response(xml, {
    headers: { 'content-type': 'application/xrd+xml; charset=utf-8', 'access-control-allow-origin': '*' },
  })
}
