/**
 * The SDK README names everything the package exports: every class of every entry point (in a
 * `### ` section of the reference whose heading names it), every method, getter and static method
 * of each (within that section), and every exported function and constant. The exports are found
 * by importing the entry points listed in client-sdk/package.json, so a method added to the SDK
 * without a line in the README fails here.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')
const README = readFileSync(join(ROOT, 'client-sdk', 'README.md'), 'utf8')
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'client-sdk', 'package.json'), 'utf8')) as {
  exports: Record<string, string>
}

/** The package's entry points: every export but the build script (a tool, not the SDK). */
export const ENTRY_POINTS = Object.keys(PACKAGE.exports)
  .filter((key) => key !== './build')
  .map((key) => (key === '.' ? '@parley/client' : `@parley/client/${key.slice(2)}`))

type Found = { entry: string; name: string; kind: 'class' | 'value'; members: string[] }

const isClass = (value: unknown): value is abstract new (...args: never[]) => unknown =>
  typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value))

/** Own prototype members (methods and accessors) and static methods: what people call on it. */
function membersOf(cls: abstract new (...args: never[]) => unknown): string[] {
  const own = Object.getOwnPropertyNames(cls.prototype).filter((n) => n !== 'constructor')
  const statics = Object.getOwnPropertyNames(cls).filter(
    (n) =>
      !['length', 'name', 'prototype'].includes(n) &&
      typeof (cls as unknown as Record<string, unknown>)[n] === 'function',
  )
  return [...own, ...statics]
}

export async function exportedApi(): Promise<Found[]> {
  const found: Found[] = []
  for (const entry of ENTRY_POINTS) {
    const module = (await import(entry)) as Record<string, unknown>
    for (const [name, value] of Object.entries(module)) {
      if (isClass(value)) found.push({ entry, name, kind: 'class', members: membersOf(value) })
      else found.push({ entry, name, kind: 'value', members: [] })
    }
  }
  return found
}

/** The README's `### ` sections: heading and text up to the next heading of any level 2 or 3. */
export function sections(markdown: string): { heading: string; text: string }[] {
  return markdown
    .split(/^(?=#{2,3} )/m)
    .filter((part) => part.startsWith('### '))
    .map((part) => ({ heading: part.split('\n', 1)[0] ?? '', text: part }))
}

const escape = (name: string) => name.replace(/[$]/g, '\\$&')
/** Named as code: `name…` or `….name…` (a call, a property, a row of a table). */
const namedIn = (text: string, name: string) => new RegExp(`[\`.]${escape(name)}\\b`).test(text)

export function missing(api: Found[], markdown: string): string[] {
  const all = sections(markdown)
  const problems: string[] = []
  for (const item of api) {
    if (item.kind === 'value') {
      if (!new RegExp(`\`${escape(item.name)}\\b`).test(markdown))
        problems.push(`${item.entry}: ${item.name} is not named in the README`)
      continue
    }
    const own = all.filter((s) => s.heading.includes(`\`${item.name}\``))
    if (own.length === 0) {
      problems.push(`${item.entry}: class ${item.name} has no "### \`${item.name}\`" section in the reference`)
      continue
    }
    const text = own.map((s) => s.text).join('\n')
    for (const member of item.members)
      if (!namedIn(text, member)) problems.push(`${item.entry}: ${item.name}.${member} is not named in its section`)
  }
  return [...new Set(problems)]
}

describe('client-sdk/README.md names every export', () => {
  it('finds the exports of every entry point (the check below has something to check)', async () => {
    const api = await exportedApi()
    const classes = new Set(api.filter((a) => a.kind === 'class').map((a) => a.name))
    for (const name of ['Parley', 'ParleyClient', 'AccountClient', 'RealtimeClient', 'CallClient', 'E2eeSession'])
      assert.ok(classes.has(name), `${name} is exported`)
    const parleyClient = api.find((a) => a.name === 'ParleyClient')
    for (const method of ['createPoll', 'vote', 'closePoll', 'search', 'unreact', 'deleteMessage'])
      assert.ok(parleyClient?.members.includes(method), `ParleyClient.${method} is enumerated`)
    assert.ok(
      api.find((a) => a.name === 'Parley' && a.members.includes('signIn')),
      'static methods are enumerated',
    )
  })

  it('fails for a method, a class or a function the README does not name', async () => {
    const api = await exportedApi()
    const withoutSearch = README.replace(/^\| `search\(.*$/m, '')
    assert.deepEqual(
      missing(api, withoutSearch).filter((p) => p.includes('ParleyClient.search')),
      [
        '@parley/client: ParleyClient.search is not named in its section',
        '@parley/client/browser: ParleyClient.search is not named in its section',
      ],
    )
    const withoutSection = README.replace('### `E2eeSession`', '### E2ee')
    assert.ok(missing(api, withoutSection).some((p) => p.includes('class E2eeSession has no')))
    const withoutFunction = README.replaceAll('`verificationCode', '`code')
    assert.ok(missing(api, withoutFunction).some((p) => p.endsWith('verificationCode is not named in the README')))
  })

  it('every exported class, method, getter, static method and function is named in the README', async () => {
    assert.deepEqual(missing(await exportedApi(), README), [])
  })
})
