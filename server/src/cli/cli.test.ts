import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runParley } from '../testing/run-parley.ts'
import { SqliteStore } from '../store/sqlite/sqlite-store.ts'
import { verifyPassword } from '../accounts/passwords.ts'

describe('parley CLI', () => {
  let dir: string
  let env: Record<string, string>
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-cli-'))
    env = { PARLEY_DATA_DIR: dir }
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const users = async () => {
    const store = new SqliteStore(join(dir, 'parley.sqlite'))
    try {
      return await store.users.list()
    } finally {
      await store.close()
    }
  }

  it('parley migrate brings an empty store to the latest version, then has nothing to do', async () => {
    const first = await runParley(['migrate'], env)
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /applied 1 accounts/)
    const again = await runParley(['migrate'], env)
    assert.equal(again.stdout.trim(), 'The store is up to date.')
  })

  it('parley user add --admin creates an admin with a generated password printed once', async () => {
    const run = await runParley(['user', 'add', 'root', '--admin', '--display-name', 'The Admin'], env)
    assert.equal(run.code, 0, run.stderr)
    const password = /Password: (\S+)/.exec(run.stdout)?.[1]
    assert.ok(password && password.length >= 20)
    const [root] = await users()
    assert.equal(root?.username, 'root')
    assert.equal(root?.role, 'admin')
    assert.equal(root?.displayName, 'The Admin')
    assert.ok(await verifyPassword(password, root?.passwordHash ?? ''))
  })

  it('parley user add --password-stdin takes the password from standard input', async () => {
    const run = await runParley(['user', 'add', 'alice', '--password-stdin'], env, 'alice password 1\n')
    assert.equal(run.code, 0, run.stderr)
    assert.doesNotMatch(run.stdout, /Password:/)
    const [alice] = await users()
    assert.ok(await verifyPassword('alice password 1', alice?.passwordHash ?? ''))
    const short = await runParley(['user', 'add', 'bob', '--password-stdin'], env, 'short\n')
    assert.equal(short.code, 2)
    assert.match(short.stderr, /10 to 1024 characters/)
  })

  it('parley user password NAME sets a new password (generated or from stdin) and ends the sessions', async () => {
    await runParley(['user', 'add', 'alice', '--password-stdin'], env, 'alice password 1\n')
    const store = new SqliteStore(join(dir, 'parley.sqlite'))
    const [alice] = await store.users.list()
    await store.sessions.create({
      idHash: 'h1',
      userId: alice?.id ?? '',
      csrfToken: 'c',
      createdAt: 1,
      expiresAt: Date.now() + 3600_000,
      userAgent: null,
    })
    await store.close()

    const fromStdin = await runParley(['user', 'password', 'alice', '--password-stdin'], env, 'alice password 2\n')
    assert.equal(fromStdin.code, 0, fromStdin.stderr)
    assert.doesNotMatch(fromStdin.stdout, /Password:/)
    let [changed] = await users()
    assert.ok(await verifyPassword('alice password 2', changed?.passwordHash ?? ''))
    assert.equal(await verifyPassword('alice password 1', changed?.passwordHash ?? ''), false)
    const check = new SqliteStore(join(dir, 'parley.sqlite'))
    assert.equal(await check.sessions.byIdHash('h1'), null, 'the sessions ended')
    await check.close()

    const generated = await runParley(['user', 'password', 'alice'], env)
    assert.equal(generated.code, 0, generated.stderr)
    const password = /Password: (\S+)/.exec(generated.stdout)?.[1] ?? ''
    ;[changed] = await users()
    assert.ok(await verifyPassword(password, changed?.passwordHash ?? ''))

    const unknown = await runParley(['user', 'password', 'nobody'], env)
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /No account named "nobody"/)
    const short = await runParley(['user', 'password', 'alice', '--password-stdin'], env, 'short\n')
    assert.equal(short.code, 2)
    ;[changed] = await users()
    assert.ok(await verifyPassword(password, changed?.passwordHash ?? ''), 'a refused reset changes nothing')
  })

  it('parley user add refuses a taken or malformed name', async () => {
    await runParley(['user', 'add', 'alice'], env)
    const taken = await runParley(['user', 'add', 'alice'], env)
    assert.equal(taken.code, 1)
    assert.match(taken.stderr, /"alice" is taken/)
    const bad = await runParley(['user', 'add', 'Alice Smith'], env)
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /lowercase letters/)
    assert.equal((await users()).length, 1)
  })

  it('parley user list, disable and enable', async () => {
    const empty = await runParley(['user', 'list'], env)
    assert.match(empty.stdout, /No accounts yet/)
    await runParley(['user', 'add', 'root', '--admin'], env)
    await runParley(['user', 'add', 'bob'], env)
    const disabled = await runParley(['user', 'disable', 'bob'], env)
    assert.equal(disabled.code, 0)
    const list = await runParley(['user', 'list'], env)
    const lines = list.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t').slice(0, 3))
    assert.deepEqual(lines, [
      ['root', 'admin', 'active'],
      ['bob', 'user', 'disabled'],
    ])
    assert.equal((await runParley(['user', 'enable', 'bob'], env)).code, 0)
    assert.equal((await users()).find((u) => u.username === 'bob')?.disabled, false)
    const missing = await runParley(['user', 'disable', 'nobody'], env)
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /No account named "nobody"/)
  })

  it('parley token create prints a working token secret once', async () => {
    await runParley(['user', 'add', 'alice'], env)
    const run = await runParley(['token', 'create', 'alice', '--name', 'deploy', '--expires-in-days', '30'], env)
    assert.equal(run.code, 0, run.stderr)
    const secret = run.stdout.trim()
    assert.match(secret, /^parley_/)
    const store = new SqliteStore(join(dir, 'parley.sqlite'))
    try {
      const [alice] = await store.users.list()
      const [token] = await store.tokens.listForUser(alice?.id ?? '')
      assert.equal(token?.name, 'deploy')
      assert.ok(token?.expiresAt)
    } finally {
      await store.close()
    }
    const bad = await runParley(['token', 'create', 'alice', '--expires-in-days', 'soon'], env)
    assert.equal(bad.code, 2)
    assert.equal((await runParley(['token', 'create', 'nobody'], env)).code, 1)
  })

  it('parley invite create needs an admin and prints a code', async () => {
    const none = await runParley(['invite', 'create'], env)
    assert.equal(none.code, 1)
    assert.match(none.stderr, /Create an admin first/)
    await runParley(['user', 'add', 'root', '--admin'], env)
    const run = await runParley(['invite', 'create'], env)
    assert.equal(run.code, 0)
    assert.match(run.stdout, /^[A-Za-z0-9_-]{43}\n\(single use, valid until /)
  })

  it('parley doctor says the store is healthy, and warns about a missing admin', async () => {
    const run = await runParley(['doctor'], env)
    assert.equal(run.code, 0, run.stdout + run.stderr)
    assert.match(run.stdout, /✔ configuration is valid/)
    assert.match(run.stdout, /no store file yet/)
    await runParley(['migrate'], env)
    const after = await runParley(['doctor'], env)
    assert.match(after.stdout, /✔ store schema is at the latest version/)
    assert.match(after.stdout, /! no active admin account/)
    assert.match(after.stdout, /Parley looks healthy\./)
  })

  it('parley doctor warns when the public origin is not where Parley listens, and says which origin to use', async () => {
    const trap = await runParley(['doctor'], {
      ...env,
      PARLEY_PORT: '9000',
      PARLEY_PUBLIC_ORIGIN: 'http://localhost:8080',
    })
    assert.equal(trap.code, 0, trap.stdout + trap.stderr)
    assert.match(
      trap.stdout,
      /! publicOrigin http:\/\/localhost:8080 is not where Parley listens \(http:\/\/localhost:9000\): its port 8080 is not the listening port 9000/,
    )
    // Unset, it follows the port: nothing to warn about.
    const followed = await runParley(['doctor'], { ...env, PARLEY_PORT: '9000' })
    assert.match(followed.stdout, /public origin http:\/\/localhost:9000\)/)
    assert.doesNotMatch(followed.stdout, /is not where Parley listens/)
  })

  it('parley doctor fails in words on a bad config and an unwritable or unreachable store', async () => {
    const bad = await runParley(['doctor'], { ...env, PARLEY_PORT: 'x', PARLEY_REGISTRATION: 'sometimes' })
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /port \(PARLEY_PORT\)/)
    assert.match(bad.stderr, /registration \(PARLEY_REGISTRATION\): must be one of open, invite, closed/)

    const file = join(dir, 'not-a-folder')
    writeFileSync(file, '')
    const unwritable = await runParley(['doctor'], { PARLEY_DATA_DIR: join(file, 'data') })
    assert.equal(unwritable.code, 1)
    assert.match(unwritable.stdout, /✘ data folder .* is not writable/)

    const mongo = await runParley(['doctor'], {
      ...env,
      PARLEY_STORE: 'mongodb',
      PARLEY_MONGODB_URL: 'mongodb://127.0.0.1:1/parley?serverSelectionTimeoutMS=500',
    })
    assert.equal(mongo.code, 1)
    assert.match(mongo.stdout, /✘ MongoDB at the configured PARLEY_MONGODB_URL does not answer/)
  })

  it('every command reports all config problems at once and exits 78', async () => {
    const run = await runParley(['user', 'list'], {
      ...env,
      PARLEY_PORT: '-1',
      PARLEY_BODY_LIMIT: 'big',
      PARLEY_NOPE: '1',
    })
    assert.equal(run.code, 78)
    assert.match(run.stderr, /Invalid configuration \(3 problems\)/)
  })

  it('a word or flag a command does not take is refused with exit 2, and nothing is done', async () => {
    // Before, `user add alice Alice Smith` created alice without the display name (exit 0), and
    // --name (token create's) on user add was dropped silently.
    for (const [args, said] of [
      [['user', 'add', 'alice', 'Alice', 'Smith'], /"parley user add" takes one NAME; unexpected: "Alice" "Smith"/],
      [['user', 'add', 'alice', '--name', 'Alice'], /--name does not apply to "parley user add"/],
      [['user', 'list', '--admin'], /--admin does not apply to "parley user list"/],
      [['invite', 'create', '--name', 'x'], /--name does not apply to "parley invite create"/],
      [['migrate', 'now'], /"parley migrate" takes no arguments; unexpected: "now"/],
      [['serve', 'now'], /"parley serve" takes no arguments; unexpected: "now"/],
    ] as const) {
      const run = await runParley([...args], env)
      assert.equal(run.code, 2, args.join(' '))
      assert.match(run.stderr, said)
    }
    assert.equal(existsSync(join(dir, 'parley.sqlite')), false, 'no store was even opened')
  })

  it('a store that cannot be opened is said in one line, not a stack trace, by every store command', async () => {
    const file = join(dir, 'not-a-folder')
    writeFileSync(file, '')
    for (const args of [['user', 'list'], ['user', 'add', 'alice'], ['migrate'], ['invite', 'create']]) {
      const run = await runParley(args, { PARLEY_DATA_DIR: join(file, 'data') })
      assert.equal(run.code, 1, args.join(' '))
      assert.match(run.stderr, /^Cannot open the sqlite store: ENOTDIR: .*\nRun "parley doctor" for details\.\n$/)
    }
  })

  it('an unknown command is said as such even when the configuration is wrong too', async () => {
    const run = await runParley(['frobnicate'], { ...env, PARLEY_PORT: 'x' })
    assert.equal(run.code, 2)
    assert.match(run.stderr, /^Unknown command "frobnicate"/)
  })

  it('unknown commands and flags print the usage and exit 2', async () => {
    for (const args of [['frobnicate'], ['serve', '--verbose'], []]) {
      const run = await runParley(args, env)
      assert.equal(run.code, 2, args.join(' '))
      assert.match(run.stderr, /Usage: parley/)
    }
    const help = await runParley(['--help'], env)
    assert.equal(help.code, 0)
    assert.match(help.stdout, /user add NAME/)
  })
})
