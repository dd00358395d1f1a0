import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseMentions } from './mentions.ts'

describe('parseMentions()', () => {
  it('parseMentions() finds @user and @all but not e-mail addresses or repeated names', () => {
    assert.deepEqual(parseMentions('hi @Alice and @bob.smith, cc @alice'), {
      all: false,
      usernames: ['alice', 'bob.smith'],
    })
    assert.deepEqual(parseMentions('@all: lunch'), { all: true, usernames: [] })
    assert.deepEqual(parseMentions('mail me at zoe@example.org'), { all: false, usernames: [] })
    assert.deepEqual(parseMentions('end of sentence @carol.'), { all: false, usernames: ['carol'] })
  })
})
