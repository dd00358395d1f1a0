import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { envName, formatProblems, loadConfig } from './load.ts'
import { ConfigSchema, type ConfigKey } from './schema.ts'
import { PATTERN_WANTS } from './describe.ts'

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
      assert.equal(byOption.get('store')?.message, 'must be one of sqlite, mongodb, not "postgres"')
      assert.equal(byOption.get('PARLEY_REGISTRATON')?.message, 'unknown option; did you mean PARLEY_REGISTRATION?')
      assert.equal(byOption.get('colour')?.message, 'unknown option')
      const text = formatProblems(result.problems)
      assert.match(text, /^Invalid configuration \(6 problems\):/)
      assert.match(text, /- port \(PARLEY_PORT\)/)
    })
  })

  it('says what each bad value got and what it wants, naming the variable', () => {
    const result = loadConfig({
      env: {
        PARLEY_PORT: 'eighty',
        PARLEY_BODY_LIMIT: '-5',
        PARLEY_LOG_LEVEL: 'verbose',
        PARLEY_FEDERATION_INBOX_HAND_OVER: 'yes',
        PARLEY_PUBLIC_ORIGIN: 'https://talk.example.org/',
        PARLEY_TURN_URLS: 'turn:turn.example.org:3478,https://turn.example.org',
        PARLEY_FILES_S3_ENDPOINT: 'minio:9000',
      },
    })
    assert.ok(!result.ok)
    assert.deepEqual(Object.fromEntries(result.problems.map((p) => [p.option, p.message])), {
      port: 'must be an integer from 0 to 65535, not "eighty"',
      bodyLimit: 'must be an integer of at least 1024, not -5',
      logLevel: 'must be one of fatal, error, warn, info, debug, trace, silent, not "verbose"',
      federationInboxHandOver: 'must be true or false, not "yes"',
      publicOrigin:
        'must be an origin like https://talk.example.org (scheme, host and optional port; no path, not even a trailing /), not "https://talk.example.org/"',
      turnUrls:
        'must be turn: or turns: URLs like turn:turn.example.org:3478?transport=udp (comma-separated), not "https://turn.example.org"',
      filesS3Endpoint: 'must be an http:// or https:// URL like http://minio:9000, or empty, not "minio:9000"',
    })
    assert.ok(result.problems.every((p) => p.source.startsWith('PARLEY_')))
  })

  it('every option with a pattern says in words what it wants', () => {
    for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
      const { pattern, items } = schema as { pattern?: string; items?: { pattern?: string } }
      if (pattern ?? items?.pattern) assert.ok(PATTERN_WANTS[key as ConfigKey], `PATTERN_WANTS.${key}`)
    }
  })

  it('refuses a number that is not a whole one, or none at all, instead of truncating it', () => {
    // Before, 8080.5 listened on 8080 and PARLEY_PORT= (an empty line in an env file) on a random port.
    for (const [value, message] of [
      ['8080.5', 'must be an integer from 0 to 65535, not 8080.5'],
      ['', 'must be an integer from 0 to 65535, not empty (unset it for the default 8080)'],
      [' ', 'must be an integer from 0 to 65535, not " "'],
    ] as const) {
      const result = loadConfig({ env: { PARLEY_PORT: value } })
      assert.ok(!result.ok, JSON.stringify(value))
      assert.deepEqual(
        result.problems.map((p) => [p.option, p.source, p.message]),
        [['port', 'PARLEY_PORT', message]],
      )
    }
    withFile(JSON.stringify({ shutdownTimeoutSeconds: 2.5 }), (path) => {
      const result = loadConfig({ env: {}, file: path })
      assert.ok(!result.ok)
      assert.equal(result.problems[0]?.message, 'must be an integer of at least 1, not 2.5')
    })
    const spaced = loadConfig({ env: { PARLEY_PORT: ' 9000 ', PARLEY_BODY_LIMIT: '2e6' } })
    assert.ok(spaced.ok)
    assert.equal(spaced.config.port, 9000)
    assert.equal(spaced.config.bodyLimit, 2000000)
  })

  it('names the option a misspelt one probably meant, in the environment and in the file', () => {
    withFile(JSON.stringify({ pubicOrigin: 'https://x.example', PARLEY_PORT: 1, colour: 'blue' }), (path) => {
      const result = loadConfig({
        env: { PARLEY_PROT: '9000', PARLEY_FEDERATON_WORKERS: '2', PARLEY_TURNURLS: 'turn:x', PARLEY_XYZZY: '1' },
        file: path,
      })
      assert.ok(!result.ok)
      assert.deepEqual(Object.fromEntries(result.problems.map((p) => [p.option, p.message])), {
        pubicOrigin: 'unknown option; did you mean publicOrigin?',
        PARLEY_PORT: 'unknown option; did you mean port?',
        colour: 'unknown option',
        PARLEY_PROT: 'unknown option; did you mean PARLEY_PORT?',
        PARLEY_FEDERATON_WORKERS: 'unknown option; did you mean PARLEY_FEDERATION_WORKERS?',
        PARLEY_TURNURLS: 'unknown option; did you mean PARLEY_TURN_URLS?',
        PARLEY_XYZZY: 'unknown option',
      })
    })
  })

  it('refuses a Redis URL ioredis would misread, and trusted proxies that are not addresses', () => {
    // Before, "redis-host" started a server retrying the host "redis-host" forever, and
    // trustedProxies "proxy" failed at start as "Cannot open the sqlite store: invalid IP address".
    for (const url of ['redis-host', 'http://127.0.0.1:6379', 'redis://127.0.0.1:6379/cache', 'redis://']) {
      const result = loadConfig({ env: { PARLEY_REDIS_URL: url } })
      assert.ok(!result.ok, url)
      assert.deepEqual(
        result.problems.map((p) => [p.option, p.source]),
        [['redisUrl', 'PARLEY_REDIS_URL']],
      )
      assert.match(result.problems[0]?.message ?? '', /must be a redis:\/\/ or rediss:\/\/ URL/)
    }
    for (const url of ['redis://127.0.0.1:6379', 'rediss://user:secret@redis.internal:6380/2', 'redis://redis/'])
      assert.ok(loadConfig({ env: { PARLEY_REDIS_URL: url } }).ok, url)

    const proxies = loadConfig({ env: { PARLEY_TRUSTED_PROXIES: '10.0.0.1,proxy,10.0.0.0/33,::1/200,fd00::/8' } })
    assert.ok(!proxies.ok)
    assert.deepEqual(
      proxies.problems.map((p) => [p.option, p.message]),
      [
        [
          'trustedProxies',
          'must be IP addresses or CIDR ranges like 10.0.0.0/8 (or loopback, linklocal, uniquelocal), not "proxy", "10.0.0.0/33", "::1/200"',
        ],
      ],
    )
    const good = loadConfig({
      env: { PARLEY_TRUSTED_PROXIES: 'loopback,10.0.0.1,172.16.0.0/12,10.0.0.0/255.0.0.0,::1,fd00::/8' },
    })
    assert.ok(good.ok)
  })

  it('names the variable of a required option left unset', () => {
    const result = loadConfig({ env: { PARLEY_FILES_STORAGE: 's3', PARLEY_FILES_S3_BUCKET: 'parley' } })
    assert.ok(!result.ok)
    assert.deepEqual(
      result.problems.map((p) => formatProblems([p]).split('\n')[1]),
      [
        '  - filesS3AccessKeyId (PARLEY_FILES_S3_ACCESS_KEY_ID not set): required when filesStorage is s3',
        '  - filesS3SecretAccessKey (PARLEY_FILES_S3_SECRET_ACCESS_KEY not set): required when filesStorage is s3',
      ],
    )
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
