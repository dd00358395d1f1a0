import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_HTML_SCAN, alternateFromHtml, alternateFromLinkHeader, isActivityPubType } from './remote-document.ts'

const BASE = 'https://remote.example/@alice'

describe('remote-document', () => {
  it('finds an alternate ActivityPub link in HTML, whatever the attribute order and quoting', () => {
    assert.equal(
      alternateFromHtml(
        '<head><link rel="alternate" type="application/activity+json" href="/users/alice"></head>',
        BASE,
      ),
      'https://remote.example/users/alice',
    )
    assert.equal(
      alternateFromHtml("<a href='/u/a' rel='me alternate' type=application/activity+json>x</a>", BASE),
      'https://remote.example/u/a',
    )
    assert.equal(alternateFromHtml('<link rel="alternate" type="text/html" href="/x">', BASE), null)
    assert.equal(alternateFromHtml('<abbr rel="alternate" type="application/activity+json" href="/x">', BASE), null)
    assert.equal(
      alternateFromHtml('<link rel="alternate" type="application/activity+json" href="javascript:x">', BASE),
      null,
    )
  })

  it('scans hostile HTML in linear time (the regex it replaces took ~32 s for 4,000 spaces)', () => {
    for (const html of [
      '<a ' + ' '.repeat(1_000_000),
      '<a '.repeat(300_000),
      '<link x="'.repeat(100_000),
      '<a b=' + 'c'.repeat(1_000_000),
    ]) {
      const started = performance.now()
      assert.equal(alternateFromHtml(html, BASE), null)
      const elapsed = performance.now() - started
      assert.ok(elapsed < 400, `${html.slice(0, 12)}…: ${elapsed} ms`)
    }
  })

  it('searches only the start of a page', () => {
    const late = ' '.repeat(MAX_HTML_SCAN) + '<link rel="alternate" type="application/activity+json" href="/u">'
    assert.equal(alternateFromHtml(late, BASE), null)
  })

  it('reads Link headers without regular expressions, bounded in length and count', () => {
    assert.equal(
      alternateFromLinkHeader(
        '<https://remote.example/users/alice>; rel="alternate"; type="application/activity+json"',
        BASE,
      ),
      'https://remote.example/users/alice',
    )
    assert.equal(
      alternateFromLinkHeader('</a>; rel=next, </b>; type="application/activity+json"; rel=alternate', BASE),
      'https://remote.example/b',
    )
    assert.equal(alternateFromLinkHeader('</a>; rel="alternate"; type="text/html"', BASE), null)
    const long = '</x>; rel="alternate"; type="text/html", '.repeat(10_000)
    const started = performance.now()
    assert.equal(alternateFromLinkHeader(long + '</y>; rel=alternate; type="application/activity+json"', BASE), null)
    assert.ok(performance.now() - started < 100)
  })

  it('takes application/activity+json and application/ld+json with the ActivityStreams profile only', () => {
    assert.ok(isActivityPubType('application/activity+json; charset=utf-8'))
    assert.ok(isActivityPubType('Application/LD+JSON; profile="https://www.w3.org/ns/activitystreams"'))
    assert.ok(
      isActivityPubType('application/ld+json; profile="https://example.org/x https://www.w3.org/ns/activitystreams"'),
    )
    assert.ok(!isActivityPubType('application/ld+json'))
    assert.ok(!isActivityPubType('application/json'))
    assert.ok(!isActivityPubType('text/plain'))
    assert.ok(!isActivityPubType(null))
  })
})
