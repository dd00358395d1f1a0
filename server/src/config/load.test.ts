import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { envName, formatProblems, loadConfig } from './load.ts'
import { ConfigSchema } from './schema.ts'

function withFile(content: string, run: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'parley-config-'))
  try {
    const path = join(dir, 'parley.json')
    writeFileSync(path, content)
    run(path)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('loadConfig()', () => {
  it('gives a complete, frozen config with nothing set', () => {
    const result = loadConfig({ env: {} })
    assert.ok(result.ok)
    assert.equal(result.config.store, 'sqlite')
    assert.equal(result.config.port, 8080)
    assert.equal(result.config.bodyLimit, 1048576)
    assert.deepEqual(result.config.trustedProxies, [])
    assert.ok(Object.isFrozen(result.config))
    assert.ok(Object.isFrozen(result.config.trustedProxies))
    assert.throws(() => {
      ;(result.config as { port: number }).port = 1
    }, TypeError)
  })

  it('reads PARLEY_* variables, converting numbers and comma-separated lists', () => {
    const result = loadConfig({
      env: {
        PARLEY_PORT: '9000',
        PARLEY_TRUSTED_PROXIES: '10.0.0.1, 10.0.0.0/8',
        PARLEY_PUBLIC_ORIGIN: 'https://talk.example.org',
        HOME: '/root',
      },
    })
    assert.ok(result.ok)
    assert.equal(result.config.port, 9000)
    assert.deepEqual(result.config.trustedProxies, ['10.0.0.1', '10.0.0.0/8'])
    assert.equal(result.config.publicOrigin, 'https://talk.example.org')
  })

  it('takes a JSON file, and the environment wins over it', () => {
    withFile(JSON.stringify({ port: 7000, registration: 'open', logLevel: 'warn' }), (path) => {
      const result = loadConfig({ env: { PARLEY_CONFIG_FILE: path, PARLEY_PORT: '7001' } })
      assert.ok(result.ok)
      assert.equal(result.config.port, 7001)
      assert.equal(result.config.registration, 'open')
      assert.equal(result.config.logLevel, 'warn')
    })
  })

  it('reports every invalid or unknown option at once, by name and source', () => {
    withFile(JSON.stringify({ bodyLimit: 'lots', colour: 'blue' }), (path) => {
      const result = loadConfig({
        env: {
          PARLEY_PORT: 'eighty',
          PARLEY_STORE: 'postgres',
          PARLEY_REGISTRATON: 'open',
          PARLEY_PUBLIC_ORIGIN: 'talk.example.org/path',
        },
        file: path,
      })
      assert.ok(!result.ok)
      const byOption = new Map(result.problems.map((p) => [p.option, p]))
      assert.deepEqual([...byOption.keys()].sort(), [
        'PARLEY_REGISTRATON',
        'bodyLimit',
        'colour',
        'port',
        'publicOrigin',
        'store',
      ])
      assert.equal(byOption.get('port')?.source, 'PARLEY_PORT')
      assert.equal(byOption.get('bodyLimit')?.source, path)
      assert.equal(byOption.get('store')?.message, 'must be one of sqlite, mongodb')
      assert.equal(byOption.get('PARLEY_REGISTRATON')?.message, 'unknown option')
      const text = formatProblems(result.problems)
      assert.match(text, /^Invalid configuration \(6 problems\):/)
      assert.match(text, /- port \(PARLEY_PORT\)/)
    })
  })

  it('requires mongodbUrl with the mongodb store, and a bare origin', () => {
    const result = loadConfig({
      env: { PARLEY_STORE: 'mongodb', PARLEY_PUBLIC_ORIGIN: 'https://talk.example.org:8443' },
    })
    assert.ok(!result.ok)
    assert.deepEqual(
      result.problems.map((p) => [p.option, p.message]),
      [['mongodbUrl', 'required when store is mongodb']],
    )
  })

  it('reports an unreadable or non-JSON config file', () => {
    const missing = loadConfig({ env: {}, file: '/nonexistent/parley.json' })
    assert.ok(!missing.ok)
    assert.match(missing.problems[0]?.message ?? '', /cannot read/)
    withFile('port = 8080', (path) => {
      const result = loadConfig({ env: {}, file: path })
      assert.ok(!result.ok)
      assert.match(result.problems[0]?.message ?? '', /not valid JSON/)
    })
  })

  it('.env.example documents every option with its default', () => {
    const example = readFileSync(join(import.meta.dirname, '..', '..', '..', '.env.example'), 'utf8')
    for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
      const fallback = (schema as unknown as { default: unknown }).default
      const shown = Array.isArray(fallback) ? fallback.join(',') : String(fallback)
      assert.ok(example.includes(`# ${envName(key)}=${shown}\n`), `.env.example lists "# ${envName(key)}=${shown}"`)
    }
  })
})
