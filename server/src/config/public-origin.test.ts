import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadConfig } from './load.ts'
import { listeningOrigin, originMismatch } from './public-origin.ts'

const origin = (env: Record<string, string>) => {
  const loaded = loadConfig({ env })
  assert.ok(loaded.ok)
  return loaded.config.publicOrigin
}

describe('public origin', () => {
  it('follows host and port when PARLEY_PUBLIC_ORIGIN is unset', () => {
    assert.equal(origin({}), 'http://localhost:8080')
    assert.equal(origin({ PARLEY_PORT: '9000' }), 'http://localhost:9000')
    assert.equal(origin({ PARLEY_HOST: '0.0.0.0', PARLEY_PORT: '3000' }), 'http://localhost:3000')
    assert.equal(origin({ PARLEY_HOST: '192.168.1.20', PARLEY_PORT: '8080' }), 'http://192.168.1.20:8080')
    assert.equal(origin({ PARLEY_HOST: 'fd00::5', PARLEY_PORT: '8080' }), 'http://[fd00::5]:8080')
  })

  it('is kept as configured when set, whatever the port', () => {
    assert.equal(
      origin({ PARLEY_PORT: '9000', PARLEY_PUBLIC_ORIGIN: 'https://talk.example.org' }),
      'https://talk.example.org',
    )
  })

  it('originMismatch() names what disagrees, and accepts loopback and wildcard equivalents', () => {
    assert.equal(originMismatch('http://localhost:8080', '127.0.0.1', 8080), null)
    assert.equal(originMismatch('http://127.0.0.1:8080', '0.0.0.0', 8080), null)
    assert.equal(
      originMismatch('http://localhost:8080', '127.0.0.1', 9000),
      'its port 8080 is not the listening port 9000',
    )
    assert.equal(
      originMismatch('http://chat.lan:8080', '127.0.0.1', 8080),
      'its host chat.lan is not the listening address 127.0.0.1',
    )
    assert.match(originMismatch('https://talk.example.org', '127.0.0.1', 8080) ?? '', /https/)
    assert.equal(listeningOrigin('127.0.0.1', 80), 'http://localhost')
  })
})
