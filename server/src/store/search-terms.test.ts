import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ftsMatch, MAX_TERMS, searchTerms } from './search-terms.ts'

describe('searchTerms()', () => {
  it('reads quoted words as a phrase and every other word as a prefix', () => {
    assert.deepEqual(searchTerms('rep "quarterly report" draft'), [
      { words: ['rep'], phrase: false },
      { words: ['quarterly', 'report'], phrase: true },
      { words: ['draft'], phrase: false },
    ])
    assert.equal(ftsMatch(searchTerms('rep "quarterly report"')), '"rep"* "quarterly report"')
  })

  it('never lets FTS5 operators through, and bounds the number of terms', () => {
    assert.equal(ftsMatch(searchTerms('a OR b NEAR(c) *')), '"a"* "OR"* "b"* "NEAR(c)"* "*"*')
    assert.equal(ftsMatch(searchTerms('"unclosed phrase')), '"unclosed phrase"')
    assert.deepEqual(searchTerms('  "" " "  '), [])
    assert.equal(searchTerms('w '.repeat(100)).length, MAX_TERMS)
  })
})
