/**
 * Note content both ways. Chat messages are plain text (markdown) that clients never render as
 * HTML; Fediverse notes are HTML. Inbound: paragraphs and line breaks become newlines, tags go,
 * entities are decoded, and the leading mentions (the addressing of a direct message, e.g.
 * Mastodon's h-card `@bob`) are dropped. Outbound: the text is escaped, with Mastodon's h-card
 * mention of the recipient in front (Mastodon shows a DM without one as a bare reply).
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }

export function noteHtmlToText(html: string): string {
  const text = stripTags(html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')).replace(
    /&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi,
    (whole, name: string) => {
      if (name[0] === '#') {
        const code =
          name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10)
        return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
      }
      return ENTITIES[name.toLowerCase()] ?? whole
    },
  )
  // `@bob` or `@bob@host:port` at the start, possibly several (a DM's addressing).
  return text.replace(/^(\s*@[\w.-]+(@[\w.:-]+)?)+\s*/u, '').trim()
}

/**
 * The text of remote HTML with its tags removed, in one pass. (`replace(/<[^>]*>/g, '')` rescans
 * to the end from every `<` that has no `>` after it: 80,000 `<` in a note held the event loop
 * for a minute.) What follows a `<` that is never closed is kept as text, as that regex kept it.
 */
export function stripTags(html: string): string {
  let out = ''
  let i = 0
  for (;;) {
    const open = html.indexOf('<', i)
    if (open < 0) return out + html.slice(i)
    const close = html.indexOf('>', open + 1)
    if (close < 0) return out + html.slice(i)
    out += html.slice(i, open)
    i = close + 1
  }
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  )
}

/** Mastodon's markup for a direct message: the h-card mention, then the text (line breaks kept). */
export function directNoteHtml(recipient: { username: string; profileUrl: string }, text: string): string {
  return (
    `<p><span class="h-card" translate="no"><a href="${escapeHtml(recipient.profileUrl)}" class="u-url mention">@<span>${escapeHtml(recipient.username)}</span></a></span> ` +
    `${escapeHtml(text).replace(/\r?\n/g, '<br>')}</p>`
  )
}
