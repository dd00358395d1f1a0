/** `@name` and `@all` in a message body (not inside words: `a@b.c` mentions nobody). */
const MENTION = /(?<![\w@])@([a-z0-9][a-z0-9_.-]*[a-z0-9]|[a-z0-9])(?![\w@])/gi

export function parseMentions(body: string): { all: boolean; usernames: string[] } {
  const names = new Set<string>()
  let all = false
  for (const match of body.matchAll(MENTION)) {
    const name = (match[1] ?? '').toLowerCase()
    if (name === 'all') all = true
    else names.add(name)
  }
  return { all, usernames: [...names] }
}
