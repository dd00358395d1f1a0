/*
 * Parley's service worker: shows the pushes the server sends (protocol PushPayload: kind, roomId,
 * title, body, tag, url) while no tab of Parley is visible, and opens the room on click. The tag is
 * the one the open web client uses for the same message (`<roomId>:<seq>`, `call:<roomId>`), so the
 * browser keeps one notification, not two.
 */
// A new version takes over at once and controls the open tabs (it only shows notifications and
// has no fetch handler, so nothing in a page depends on which version controls it).
self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))

self.addEventListener('push', (event) => {
  event.waitUntil(
    (async () => {
      let payload
      try {
        payload = event.data ? event.data.json() : null
      } catch {
        payload = null
      }
      if (!payload || typeof payload.title !== 'string') return
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      // A visible window shows its own notification (web/src/data/notifier.ts): stay quiet.
      if (windows.some((w) => w.visibilityState === 'visible')) return
      await self.registration.showNotification(payload.title, {
        body: typeof payload.body === 'string' ? payload.body : '',
        tag: typeof payload.tag === 'string' ? payload.tag : undefined,
        data: { url: typeof payload.url === 'string' && payload.url.startsWith('/') ? payload.url : '/' },
        requireInteraction: payload.kind === 'call',
      })
    })(),
  )
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const url = new URL(event.notification.data?.url ?? '/', self.location.origin).href
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin)
      if (open) {
        await open.focus()
        // navigate() works on tabs this worker controls only; another tab gets a new window.
        const navigated = await open.navigate(url).catch(() => null)
        if (navigated) return navigated
      }
      return self.clients.openWindow(url)
    })(),
  )
})
