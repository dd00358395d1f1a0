import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { DomainPolicy } from './domain-policy.ts'

describe('DomainPolicy', () => {
  it('DomainPolicy.blocks() covers a domain and its subdomains, or exactly a host:port', () => {
    const policy = new DomainPolicy(['Bad.example', '127.0.0.1:4443', ' '])
    assert.equal(policy.blocks('https://bad.example/users/x'), true)
    assert.equal(policy.blocks('https://social.bad.example:8443/inbox'), true)
    assert.equal(policy.blocks('notbad.example'), false)
    assert.equal(policy.blocks(new URL('https://127.0.0.1:4443/users/a')), true)
    assert.equal(policy.blocks('https://127.0.0.1:4444/users/a'), false)
    assert.equal(policy.blocks('::::'), true, 'garbage is refused')
    assert.equal(new DomainPolicy([]).blocks('https://any.example'), false)
  })

  it('DomainPolicy.blocks() in allow-list mode refuses every domain not listed, and blocks still win', () => {
    const policy = new DomainPolicy(['bad.partner.example'], ['partner.example', '127.0.0.1:4443'])
    assert.equal(policy.blocks('https://partner.example/users/a'), false)
    assert.equal(policy.blocks('https://talk.partner.example/users/a'), false)
    assert.equal(policy.blocks('https://bad.partner.example/users/a'), true)
    assert.equal(policy.blocks('https://mastodon.example/users/a'), true)
    assert.equal(policy.blocks('https://127.0.0.1:4443/inbox'), false)
  })

  it('DomainPolicy.setRuntimeBlocks() adds to the configured blocks and replaces earlier run-time ones', () => {
    const policy = new DomainPolicy(['bad.example'])
    policy.setRuntimeBlocks(['spam.example'])
    assert.equal(policy.blocks('https://x.spam.example/'), true)
    assert.equal(policy.blocks('https://bad.example/'), true)
    policy.setRuntimeBlocks([])
    assert.equal(policy.blocks('https://x.spam.example/'), false)
    assert.equal(policy.blocks('https://bad.example/'), true, 'configured blocks stay')
  })

  it('DomainPolicy.signerOf() reads draft-cavage and RFC 9421 key ids', () => {
    const cavage = new Request('https://x.example/inbox', {
      method: 'POST',
      headers: {
        signature: 'keyId="https://m.example/users/a#main-key",algorithm="rsa-sha256",headers="date",signature="x"',
      },
    })
    assert.equal(DomainPolicy.signerOf(cavage), 'https://m.example/users/a#main-key')
    const rfc = new Request('https://x.example/inbox', {
      method: 'POST',
      headers: {
        'signature-input': 'sig1=("@method");keyid="https://p.example/users/b#main-key";alg="rsa-v1_5-sha256"',
      },
    })
    assert.equal(DomainPolicy.signerOf(rfc), 'https://p.example/users/b#main-key')
    assert.equal(DomainPolicy.signerOf(new Request('https://x.example/')), null)
  })
})
