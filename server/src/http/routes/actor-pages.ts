/**
 * The HTML page of a user, served at the actor's own URL (/users/{name}) when a browser asks for it:
 * the federation adapter hands such requests on here (content negotiation). Unknown or deleted
 * users get the usual 404.
 */
import type { FastifyInstance } from 'fastify'
import type { Store } from '../../store/ports.ts'
import { ApiError } from '../api-error.ts'

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  )

export function actorPageRoutes(app: FastifyInstance, deps: { store: Store; publicOrigin: string }): void {
  const host = new URL(deps.publicOrigin).host
  app.get<{ Params: { username: string } }>('/users/:username', async (request, reply) => {
    const user = await deps.store.users.byUsername(request.params.username)
    if (!user || user.deletedAt !== null) throw new ApiError('not-found', 'No such user')
    const handle = `@${user.username}@${host}`
    const actorUrl = `${deps.publicOrigin}/users/${encodeURIComponent(user.username)}`
    const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(user.displayName)} (${escape(handle)})</title>
<link rel="alternate" type="application/activity+json" href="${escape(actorUrl)}">
</head>
<body>
<main>
<h1>${escape(user.displayName)}</h1>
<p>${escape(handle)}</p>
</main>
</body>
</html>
`
    return reply.type('text/html; charset=utf-8').header('vary', 'Accept').send(html)
  })
}
