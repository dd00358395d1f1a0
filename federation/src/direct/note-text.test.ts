import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { directNoteHtml, noteHtmlToText } from './note-text.ts'

describe('note text', () => {
  it('noteHtmlToText() drops the leading mentions and the markup, keeps line breaks and paragraphs, decodes entities', () => {
    const mastodon =
      '<p><span class="h-card" translate="no"><a href="https://t.example/users/bob" class="u-url mention">@<span>bob</span></a></span> Hi &amp; <b>welcome</b><br>line two</p><p>para &#x1F600; &#39;q&#39;</p>'
    assert.equal(noteHtmlToText(mastodon), "Hi & welcome\nline two\n\npara 😀 'q'")
    const misskey =
      '<p><a href="https://t.example/users/bob" class="u-url mention">@bob@t.example:8443</a><span> are you joining?</span></p>'
    assert.equal(noteHtmlToText(misskey), 'are you joining?')
    assert.equal(noteHtmlToText('<p>mail me at a@b.example</p>'), 'mail me at a@b.example', 'only leading mentions go')
    assert.equal(
      noteHtmlToText('<p>&lt;script&gt; &bogus; &#0;</p>'),
      '<script> &bogus; &#0;',
      'text stays text; unknown entities kept',
    )
  })

  it("directNoteHtml() escapes the text after Mastodon's h-card mention, line breaks as <br>", () => {
    assert.equal(
      directNoteHtml({ username: 'alice', profileUrl: 'https://m.example/@alice' }, 'a <b> & "c"\nd'),
      '<p><span class="h-card" translate="no"><a href="https://m.example/@alice" class="u-url mention">@<span>alice</span></a></span> a &lt;b&gt; &amp; &quot;c&quot;<br>d</p>',
    )
    assert.equal(
      noteHtmlToText(directNoteHtml({ username: 'alice', profileUrl: 'x' }, 'round <trip> & back\nok')),
      'round <trip> & back\nok',
    )
  })

  it('strips the tags of hostile HTML in linear time (80,000 unclosed `<` took a minute before)', () => {
    for (const html of [
      '<'.repeat(500_000),
      `<a${' '.repeat(500_000)}`,
      '</p>'.repeat(100_000) + '<p'.repeat(100_000),
    ]) {
      const started = performance.now()
      noteHtmlToText(html)
      assert.ok(performance.now() - started < 500, `${html.slice(0, 6)}…: ${performance.now() - started} ms`)
    }
    assert.equal(noteHtmlToText('a <b>bold</b> < c'), 'a bold < c')
  })
})
