/**
 * Paths of the web client (the server answers each with index.html): /, /r/:room, /r/:room/call,
 * /join/:room (the guest page of a public room's link), /settings, /invitations, /search, /agenda
 * (the meetings coming up across my rooms, and my calendar feed).
 */
import { useSyncExternalStore } from 'react'

export type Route =
  | { name: 'home' }
  | { name: 'room'; roomId: string }
  | { name: 'call'; roomId: string }
  | { name: 'join'; roomId: string }
  | { name: 'settings' }
  | { name: 'invitations' }
  | { name: 'search' }
  | { name: 'agenda' }

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent)
  if (parts[0] === 'r' && parts[1])
    return parts[2] === 'call' ? { name: 'call', roomId: parts[1] } : { name: 'room', roomId: parts[1] }
  if (parts[0] === 'join' && parts[1]) return { name: 'join', roomId: parts[1] }
  if (parts[0] === 'settings') return { name: 'settings' }
  if (parts[0] === 'invitations') return { name: 'invitations' }
  if (parts[0] === 'search') return { name: 'search' }
  if (parts[0] === 'agenda') return { name: 'agenda' }
  return { name: 'home' }
}

export const paths = {
  home: () => '/',
  room: (roomId: string) => `/r/${encodeURIComponent(roomId)}`,
  call: (roomId: string) => `/r/${encodeURIComponent(roomId)}/call`,
  join: (roomId: string) => `/join/${encodeURIComponent(roomId)}`,
  settings: () => '/settings',
  invitations: () => '/invitations',
  search: () => '/search',
  agenda: () => '/agenda',
}

const listeners = new Set<() => void>()
addEventListener('popstate', () => listeners.forEach((l) => l()))

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === location.pathname) return
  if (options.replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  listeners.forEach((l) => l())
}

let cached: { path: string; route: Route } = { path: '', route: { name: 'home' } }
function current(): Route {
  if (cached.path !== location.pathname) cached = { path: location.pathname, route: parseRoute(location.pathname) }
  return cached.route
}

export function useRoute(): Route {
  return useSyncExternalStore((l) => {
    listeners.add(l)
    return () => listeners.delete(l)
  }, current)
}
