/**
 * The MongoDB search filter, checked without a MongoDB server (none can run here): the regular
 * expressions it builds are run with JavaScript's engine over the same bodies, whose syntax for
 * what is used here (groups, classes, escapes, the `i` flag) is the same as MongoDB's PCRE.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mongoTextFilter } from './mongo-search.ts'

function matches(query: string, body: string): boolean {
  const filter = mongoTextFilter(query)
  assert.ok(filter)
  assert.equal(filter.$text, undefined, 'prefix words only')
  return (filter.$and ?? []).every(({ body: { $regex, $options } }) => new RegExp($regex, $options).test(body))
}

test('a bare word matches the start of any word, in any case, as FTS5 does', () => {
  assert.equal(matches('rep', 'Quarterly Report is due'), true)
  assert.equal(matches('REP', 'the report'), true)
  assert.equal(matches('port', 'the report'), false, 'not the middle of a word')
  assert.equal(matches('rep due', 'report due friday'), true)
  assert.equal(matches('rep monday', 'report due friday'), false, 'every word is required')
  assert.equal(matches('rep', '(report)'), true)
})

test('phrases go to $text, each quoted; bare words beside them stay prefixes', () => {
  assert.deepEqual(mongoTextFilter('"due friday" rep'), {
    $text: { $search: '"due friday"' },
    $and: [{ body: { $regex: mongoTextFilter('rep')?.$and?.[0]?.body.$regex, $options: 'i' } }],
  })
  assert.equal(mongoTextFilter('  '), null)
  assert.equal(mongoTextFilter('""'), null)
})

test('what people type is never read as syntax', () => {
  assert.equal(matches('a.b', 'a.b c'), true)
  assert.equal(matches('a.b', 'axb c'), false, 'a dot is a dot')
  assert.equal(matches('(x', 'see (x'), true)
  assert.equal(matches('$where', 'about $where clauses'), true)
  assert.equal(matches('.*', 'anything at all'), false)
})
