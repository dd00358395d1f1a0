/**
 * Message bodies are markdown written by people anywhere: rendered by markdown-it with raw HTML
 * disabled, then sanitised by DOMPurify (links open in a new tab without referrer; only http(s)
 * and mailto links survive). `@name` mentions are marked so the stylesheet can highlight them.
 */
import MarkdownIt from 'markdown-it'
import DOMPurify from 'dompurify'

const MENTION = /(?<![\w@])@([a-z0-9][a-z0-9_.-]*[a-z0-9]|[a-z0-9])(?![\w@])/gi

const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false })
md.validateLink = (url) => /^(https?:|mailto:)/i.test(url.trim())

// `@name` in text tokens (not in code or links) becomes <span class="mention">.
md.core.ruler.push('mentions', (state) => {
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue
    const out: typeof block.children = []
    let inLink = 0
    for (const token of block.children) {
      if (token.type === 'link_open') inLink++
      if (token.type === 'link_close') inLink--
      if (token.type !== 'text' || inLink > 0 || !MENTION.test(token.content)) {
        out.push(token)
        continue
      }
      MENTION.lastIndex = 0
      let last = 0
      for (const match of token.content.matchAll(MENTION)) {
        const start = match.index ?? 0
        if (start > last) out.push(textToken(state, token.content.slice(last, start)))
        const mention = new state.Token('mention', '', 0)
        mention.content = match[0]
        out.push(mention)
        last = start + match[0].length
      }
      if (last < token.content.length) out.push(textToken(state, token.content.slice(last)))
    }
    block.children = out
  }
})
md.renderer.rules.mention = (tokens, idx) =>
  `<span class="mention">${md.utils.escapeHtml(tokens[idx]?.content ?? '')}</span>`

function textToken(state: { Token: typeof MarkdownIt.prototype.core.State.prototype.Token }, content: string) {
  const token = new state.Token('text', '', 0)
  token.content = content
  return token
}

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank')
    node.setAttribute('rel', 'noopener noreferrer nofollow')
  }
})

const ALLOWED_TAGS = [
  'p',
  'br',
  'strong',
  'em',
  's',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'span',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
]

export function renderMarkdown(body: string): string {
  return DOMPurify.sanitize(md.render(body), {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ['href', 'class', 'target', 'rel', 'start'],
    ALLOWED_URI_REGEXP: /^(https?:|mailto:)/i,
  })
}
