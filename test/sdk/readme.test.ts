/**
 * Doc-tests: every ```ts example of client-sdk/README.md is type-checked, and every one not marked
 * `<!-- doctest: typecheck (reason) -->` (those need what Node cannot have: WebRTC, a push service)
 * is run in its own Node process against two real instances (HTTPS with the local CA, as the
 * federation tests run them). Examples marked `<!-- doctest: browser-session … -->` are a page's
 * code: they run with browser-session.ts loaded first (`location` and a browser's cookie store),
 * signed in with a password as a browser would be. The README's
 * stand-ins are replaced first: https://talk.example.org and https://other.example by the two
 * instances' origins, `other.example` and `talk.example.org` in handles by their hosts, parley_alice_token,
 * parley_carol_token and parley_bob_token by API tokens of alice and carol (first instance) and bob
 * (second).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startInstance, type TestInstance } from '../harness/instance.ts'
import { localCa } from '../harness/local-ca.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const README = join(ROOT, 'client-sdk', 'README.md')
const WORK = join(import.meta.dirname, '.doctest')
const BROWSER_SESSION = join(import.meta.dirname, 'browser-session.ts')

async function withPassword(instance: TestInstance, username: string, displayName: string) {
  const created = await instance.services.accounts.createUser({ username, displayName, password: 'correct horse' })
  if (!created.ok) throw new Error(created.error.type)
  return created.value
}

type Example = { index: number; line: number; code: string; run: boolean; browserSession: boolean }

export function examples(markdown: string): Example[] {
  const found: Example[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue
    const end = lines.indexOf('```', i + 1)
    if (end < 0) throw new Error(`README line ${i + 1}: unclosed code block`)
    const marker = lines[i - 1] ?? ''
    found.push({
      index: found.length + 1,
      line: i + 1,
      code: lines.slice(i + 1, end).join('\n'),
      run: !/^<!-- doctest: typecheck/.test(marker),
      browserSession: /^<!-- doctest: browser-session/.test(marker),
    })
    i = end
  }
  return found
}

function runNode(
  file: string,
  env: Record<string, string>,
  args: string[] = [],
  nodeFlags: string[] = [],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ...nodeFlags, file, ...args], {
      env,
      timeout: 60_000,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

describe('client-sdk/README.md examples (doc-tests)', () => {
  const all = examples(readFileSync(README, 'utf8'))
  let a: TestInstance
  let b: TestInstance
  let substitutions: [string, string][] = []
  let doraPhone = ''

  before(async () => {
    ;[a, b] = await Promise.all([startInstance(), startInstance()])
    // alice signs in with her password in the browser example; dora's account example changes hers
    // and signs out her other sessions and tokens, so it has an account of its own.
    const alice = await withPassword(a, 'alice', 'Alice')
    const dora = await withPassword(a, 'dora', 'Dora')
    doraPhone = (await a.services.accounts.createToken(dora.id, 'phone')).secret
    const bob = await b.addUser('bob', 'Bob B')
    const carol = await a.addUser('carol', 'Carol')
    const aliceToken = (await a.services.accounts.createToken(alice.id, 'doctest')).secret
    const carolToken = (await a.services.accounts.createToken(carol.id, 'doctest')).secret
    const bobToken = (await b.services.accounts.createToken(bob.id, 'doctest')).secret
    substitutions = [
      ['https://talk.example.org', a.origin],
      ['https://other.example', b.origin],
      ['@bob@other.example', `@bob@${b.host}`],
      ['@talk.example.org', `@${a.host}`],
      ['parley_alice_token', aliceToken],
      ['parley_bob_token', bobToken],
      ['parley_carol_token', carolToken],
    ]
    rmSync(WORK, { recursive: true, force: true })
    mkdirSync(WORK, { recursive: true })
    writeFileSync(join(WORK, 'ca.pem'), localCa().caPem)
  })
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
    rmSync(WORK, { recursive: true, force: true })
  })

  it('has examples to run', () => {
    assert.ok(all.filter((e) => e.run).length >= 3, 'the README keeps runnable examples')
  })

  it('every example type-checks against the SDK', async () => {
    const files = all.map((e) => {
      const file = join(WORK, `typecheck-${e.index}.ts`)
      // Each example is its own module (top-level await, its own names).
      writeFileSync(file, `${e.code}\nexport {}\n`)
      return file
    })
    writeFileSync(
      join(WORK, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../tsconfig.json',
        compilerOptions: { lib: ['es2024', 'dom', 'dom.iterable'], types: [], noEmit: true, module: 'nodenext' },
        files: files.map((f) => f.split('/').pop()),
        include: [],
      }),
    )
    const tsc = await runNode(join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), {}, ['-p', WORK])
    assert.equal(tsc.status, 0, `README examples do not type-check:\n${tsc.stdout}${tsc.stderr}`)
  })

  for (const example of all.filter((e) => e.run)) {
    it(`example ${example.index} (README line ${example.line}) runs`, async () => {
      let code = example.code
      for (const [from, to] of substitutions) code = code.replaceAll(from, to)
      const file = join(WORK, `run-${example.index}.ts`)
      writeFileSync(file, code)
      // Asynchronously: the instances live in this process and must keep serving meanwhile.
      const run = await runNode(
        file,
        { NODE_EXTRA_CA_CERTS: join(WORK, 'ca.pem'), DOCTEST_ORIGIN: a.origin },
        [],
        example.browserSession ? ['--import', BROWSER_SESSION] : [],
      )
      assert.equal(run.status, 0, `example ${example.index} failed:\n${run.stdout}\n${run.stderr}`)
    })
  }

  it("the account example changed dora's password and ended her other sessions and tokens", async () => {
    const signIn = (password: string) =>
      fetch(`${a.origin}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'dora', password }),
      })
    assert.equal((await signIn('correct horse')).status, 401)
    assert.equal((await signIn('a much longer passphrase')).status, 200)
    const phone = await fetch(`${a.origin}/api/v1/me`, { headers: { authorization: `Bearer ${doraPhone}` } })
    assert.equal(phone.status, 401)
    assert.equal(((await phone.json()) as { error: { code: string } }).error.code, 'token-revoked')
  })
})
