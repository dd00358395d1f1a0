import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { listening, runParley, spawnParley } from '../testing/run-parley.ts'

/** Starts `parley serve` on a free port and resolves with its port once it logs that it listens. */
async function serve(
  env: Record<string, string>,
): Promise<{ child: ChildProcessWithoutNullStreams; port: number; output: () => string }> {
  const child = spawnParley(['serve'], { PARLEY_PORT: '0', ...env })
  return listening(child)
}

/** Polls `condition` every 20 ms for up to 10 s. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !(await condition());) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  return code as number | null
}

describe('parley serve', () => {
  it('answers /readyz, keeps state in one SQLite file, and keeps users across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-serve-'))
    const env = { PARLEY_DATA_DIR: dir }
    try {
      const first = await serve(env)
      after(() => void stop(first.child))
      const ready = await fetch(`http://127.0.0.1:${first.port}/readyz`)
      assert.equal(ready.status, 200)
      assert.match(first.output(), /No admin account yet: create one with/)
      assert.ok(existsSync(join(dir, 'parley.sqlite')))
      const added = await runParley(['user', 'add', 'alice', '--password-stdin'], env, 'alice password 1')
      assert.equal(added.code, 0, added.stderr)
      assert.equal(await stop(first.child), 0)

      const second = await serve(env)
      after(() => void stop(second.child))
      try {
        const login = await fetch(`http://127.0.0.1:${second.port}/api/v1/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'alice', password: 'alice password 1' }),
        })
        assert.equal(login.status, 200)
        assert.equal(((await login.json()) as { user: { username: string } }).user.username, 'alice')
      } finally {
        assert.equal(await stop(second.child), 0)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('on SIGTERM stops accepting, finishes the request in flight, then exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-serve-'))
    try {
      // Debug logs name each request as it comes in: the test waits for that line, not for a guessed time.
      const { child, port, output } = await serve({ PARLEY_DATA_DIR: dir, PARLEY_LOG_LEVEL: 'debug' })
      after(() => void stop(child))
      // A request whose body is still arriving when the signal comes.
      const body = JSON.stringify({ username: 'nobody', password: 'wrong password' })
      const socket = connect(port, '127.0.0.1')
      await once(socket, 'connect')
      socket.write(
        `POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
      )
      let reply = ''
      socket.on('data', (chunk) => (reply += chunk))
      await until(
        () =>
          output()
            .split('\n')
            .some((line) => line.includes('"msg":"incoming request"') && line.includes('/api/v1/session')),
        'the request in flight',
      )
      child.kill('SIGTERM')
      // Shutting down, it stops accepting: tried until a new connection is refused (a try may come
      // before the listener closed), while the request in flight is still waiting for its body.
      await until(
        () =>
          fetch(`http://127.0.0.1:${port}/healthz`).then(
            async (res) => {
              await res.arrayBuffer()
              return false
            },
            () => true,
          ),
        'new connections refused',
      )
      assert.equal(reply, '', 'the request in flight is not answered before its body came')
      // write, not end: a half-closed socket would tell Node the client gave up on the request.
      socket.write(body.slice(10))
      await once(socket, 'close')
      assert.match(reply, /^HTTP\/1.1 401/, output())
      assert.match(reply, /"code":"invalid-credentials"/)
      const [code] = child.exitCode === null ? await once(child, 'exit') : [child.exitCode]
      assert.equal(code, 0)
      assert.match(output(), /"msg":"stopped"/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
