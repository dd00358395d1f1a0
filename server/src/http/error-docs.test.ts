import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { ErrorCodes } from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestUser } from '../testing/test-instance.ts'
import { routeErrorCodes } from './error-docs.ts'

type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }
type Document = { paths: Record<string, Record<string, Operation>> }

/** The codes the served OpenAPI document lists for one operation's 4xx response. */
function documented(doc: Document, method: string, path: string): string[] {
  const operation = doc.paths[path]?.[method.toLowerCase()]
  assert.ok(operation, `${method} ${path} is in the document`)
  const response = operation.responses['4XX'] ?? operation.responses['4xx']
  const schema = response?.content?.['application/json']?.schema as {
    properties: { error: { properties: { code: { anyOf: { enum?: string[]; const?: string }[] } } } }
  }
  return schema.properties.error.properties.code.anyOf.map((c) => c.enum?.[0] ?? (c.const as string))
}

describe('OpenAPI error lists', () => {
  let t: TestInstance
  let doc: Document
  let olga: TestUser
  let mia: TestUser
  let roomId: string

  before(async () => {
    t = await startTestInstance()
    olga = await t.user('olga')
    mia = await t.user('mia')
    roomId = (await t.call('POST', '/api/v1/rooms', { headers: olga.auth, body: { kind: 'group', name: 'R' } })).json()
      .id
    doc = (await t.call('GET', '/api/openapi.json')).json()
  })
  after(async () => t.close())

  it('each operation lists only codes of its kind, all of them 4xx, never the whole registry', () => {
    const all4xx = Object.values(ErrorCodes).filter((c) => c.status >= 400 && c.status < 500).length
    let operations = 0
    for (const [path, methods] of Object.entries(doc.paths))
      for (const method of Object.keys(methods)) {
        const op = methods[method]!
        if (!op.responses['4XX'] && !op.responses['4xx']) continue
        operations++
        const codes = documented(doc, method, path)
        assert.ok(codes.length < all4xx / 2, `${method} ${path} lists ${codes.length} codes`)
        for (const code of codes) {
          const status = ErrorCodes[code as keyof typeof ErrorCodes]?.status
          assert.ok(status !== undefined && status >= 400 && status < 500, `${method} ${path}: ${code}`)
        }
      }
    assert.ok(operations > 80)
    // Areas stay apart: meetings do not list file codes, files do not list meeting codes.
    assert.ok(!documented(doc, 'POST', '/api/v1/rooms/{roomId}/meetings').includes('file-too-large'))
    assert.ok(!documented(doc, 'POST', '/api/v1/rooms/{roomId}/files').includes('time-zone-unknown'))
    assert.ok(documented(doc, 'POST', '/api/v1/rooms/{roomId}/files').includes('quota-exceeded'))
    // Only routes that need a caller say `unauthenticated`.
    assert.ok(!documented(doc, 'GET', '/files/{fileId}/{variant}').includes('unauthenticated'))
    assert.ok(documented(doc, 'GET', '/api/v1/rooms/{roomId}/files').includes('unauthenticated'))
    assert.equal(routeErrorCodes('GET', '/files/{fileId}/{variant}', false).includes('unauthenticated'), false)
  })

  it("real refusals are among their route's documented codes", async () => {
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
    const cases: { method: string; url: string; path: string; headers?: Record<string, string>; body?: unknown }[] = [
      { method: 'GET', url: `/api/v1/rooms/${roomId}/files`, path: '/api/v1/rooms/{roomId}/files' },
      {
        method: 'GET',
        url: `/api/v1/rooms/${roomId}/files`,
        path: '/api/v1/rooms/{roomId}/files',
        headers: bearer('x'),
      },
      {
        method: 'GET',
        url: `/api/v1/rooms/${randomUUID()}/files`,
        path: '/api/v1/rooms/{roomId}/files',
        headers: olga.auth,
      },
      {
        method: 'GET',
        url: `/api/v1/rooms/${roomId}/files/${randomUUID()}`,
        path: '/api/v1/rooms/{roomId}/files/{fileId}',
        headers: olga.auth,
      },
      {
        method: 'GET',
        url: `/api/v1/rooms/${roomId}/messages`,
        path: '/api/v1/rooms/{roomId}/messages',
        headers: mia.auth,
      },
      {
        method: 'POST',
        url: `/api/v1/rooms/${roomId}/meetings`,
        path: '/api/v1/rooms/{roomId}/meetings',
        headers: olga.auth,
        body: { title: 'x', start: '2026-03-16T09:00', end: '2026-03-16T08:00', timeZone: 'Europe/Berlin' },
      },
      {
        method: 'POST',
        url: `/api/v1/rooms/${roomId}/meetings`,
        path: '/api/v1/rooms/{roomId}/meetings',
        headers: olga.auth,
        body: { title: 'x', start: '2026-03-16T09:00', end: '2026-03-16T10:00', timeZone: 'Mars/Olympus' },
      },
      {
        method: 'POST',
        url: `/api/v1/rooms/${roomId}/messages`,
        path: '/api/v1/rooms/{roomId}/messages',
        headers: olga.auth,
        body: { body: 'x'.repeat(100_000) },
      },
      {
        method: 'GET',
        url: `/files/${randomUUID()}/original?expires=1&signature=forged`,
        path: '/files/{fileId}/{variant}',
      },
      { method: 'POST', url: '/api/v1/admin/invites', path: '/api/v1/admin/invites', headers: olga.auth, body: {} },
      {
        method: 'POST',
        url: '/api/v1/session',
        path: '/api/v1/session',
        body: { username: 'olga', password: 'not the password' },
      },
    ]
    for (const c of cases) {
      const reply = await t.call(c.method, c.url, {
        ...(c.headers ? { headers: c.headers } : {}),
        ...(c.body !== undefined ? { body: c.body } : {}),
      })
      assert.ok(reply.statusCode >= 400 && reply.statusCode < 500, `${c.method} ${c.url}: ${reply.statusCode}`)
      const code = reply.json().error.code as string
      assert.ok(
        documented(doc, c.method, c.path).includes(code),
        `${c.method} ${c.path} answered ${code}, which it does not document`,
      )
    }
  })
})
