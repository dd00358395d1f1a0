/**
 * The `@fedify/uri-template` patch (patches/README.md) is in place: the router remembers what a path
 * routed to. The first test fails on the unpatched router; the second guards what remembering must
 * not change. The other Fedify patches are tested in fedify-patches.test.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Router } from '@fedify/uri-template'

/** A router with the inbox route, whose template's matches are counted. */
function countingRouter(): { router: Router; matches: () => number } {
  const pattern = Router.compile('/users/{identifier}/inbox')
  // The compiled template is frozen: the router gets a stand-in that counts and asks the original.
  const original = pattern.template
  let count = 0
  const counted = new Proxy({} as typeof original, {
    get: (_target, name) => {
      if (name === 'match')
        return (url: string) => {
          count++
          return original.match(url)
        }
      const value: unknown = Reflect.get(original, name, original)
      return typeof value === 'function' ? value.bind(original) : value
    },
  })
  const router = new Router()
  router.add({ ...pattern, template: counted }, 'inbox')
  return { router, matches: () => count }
}

test('patched @fedify/uri-template: a path is matched against the templates once, then remembered', () => {
  const { router, matches } = countingRouter()
  assert.deepEqual(router.route('/users/bob/inbox'), {
    name: 'inbox',
    template: '/users/{identifier}/inbox',
    values: { identifier: 'bob' },
  })
  assert.equal(router.route('/users/bob/inbox')?.values.identifier, 'bob')
  // Unpatched 2.3.6 matches the template again on every look-up (every request, every parseUri).
  assert.equal(matches(), 1)
})

test('patched @fedify/uri-template: remembered routes stay right — new routes count, callers get their own values, long paths are not kept', () => {
  const { router, matches } = countingRouter()
  assert.equal(router.route('/rooms/r1'), null)
  router.add('/rooms/{id}', 'room')
  assert.equal(router.route('/rooms/r1')?.name, 'room', 'a route added later is found for a path looked up before')
  const first = router.route('/users/bob/inbox')
  assert.ok(first)
  first.values.identifier = 'mallory'
  assert.equal(router.route('/users/bob/inbox')?.values.identifier, 'bob', "one caller's change is not the next one's")
  const before = matches()
  const long = `/users/${'a'.repeat(300)}/inbox` as const
  router.route(long)
  router.route(long)
  assert.equal(matches() - before, 2, 'a long path is matched each time (strangers cannot fill the memory)')
})
