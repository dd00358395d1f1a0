/** `@name` and `@all` as the server reads them (server/src/rooms/mentions.ts): not inside words. */
const MENTION = /(?<![\w@])@([a-z0-9][a-z0-9_.-]*[a-z0-9]|[a-z0-9])(?![\w@])/gi

export function mentions(body: string, username: string): boolean {
  const me = username.toLowerCase()
  for (const match of body.matchAll(MENTION)) {
    const name = (match[1] ?? '').toLowerCase()
    if (name === me || name === 'all') return true
  }
  return false
}
