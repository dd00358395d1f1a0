import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import Fastify, { type FastifySchemaCompiler } from 'fastify'
import Type from 'typebox'
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import { lazySerializerFactory, lazyValidatorCompiler } from './lazy-schema-compilers.ts'

const Body = Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false })
const Reply = Type.Object({ name: Type.String(), length: Type.Integer() })

/** An app with one validated, serialized route, counting how often each compiler really compiles. */
async function countingApp() {
  const counts = { validators: 0, serializers: 0 }
  const validate: FastifySchemaCompiler<unknown> = (route) => {
    counts.validators++
    return TypeBoxValidatorCompiler(route as never)
  }
  const serializers = SerializerSelector()
  const app = Fastify({
    schemaController: {
      compilersFactory: {
        buildSerializer: lazySerializerFactory((external, options) => {
          const compile = serializers(external, options)
          return (route) => {
            counts.serializers++
            return compile(route)
          }
        }),
      },
    },
  })
  app.setValidatorCompiler(lazyValidatorCompiler(validate))
  app.post('/echo', { schema: { body: Body, response: { 200: Reply } } }, async (request) => {
    const { name } = request.body as { name: string }
    return { name, length: name.length, secret: 'not in the schema' }
  })
  await app.ready()
  return { app, counts }
}

describe('lazy schema compilers', () => {
  it('lazyValidatorCompiler() compiles a route validator at its first request, once', async () => {
    const { app, counts } = await countingApp()
    assert.equal(counts.validators, 0)
    const first = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'ada' } })
    assert.equal(first.statusCode, 200)
    assert.equal(counts.validators, 1)
    await app.inject({ method: 'POST', url: '/echo', payload: { name: 'grace' } })
    assert.equal(counts.validators, 1)
    await app.close()
  })

  it('lazyValidatorCompiler() refuses what the schema refuses', async () => {
    const { app } = await countingApp()
    const empty = await app.inject({ method: 'POST', url: '/echo', payload: { name: '' } })
    assert.equal(empty.statusCode, 400)
    const extra = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'ada', admin: true } })
    assert.equal(extra.statusCode, 400)
    await app.close()
  })

  it('lazySerializerFactory() serializes by the response schema (fields outside it left out)', async () => {
    const { app, counts } = await countingApp()
    assert.equal(counts.serializers, 0)
    const reply = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'ada' } })
    assert.deepEqual(reply.json(), { name: 'ada', length: 3 })
    assert.equal(counts.serializers, 1)
    const again = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'grace' } })
    assert.deepEqual(again.json(), { name: 'grace', length: 5 })
    assert.equal(counts.serializers, 1)
    await app.close()
  })
})
