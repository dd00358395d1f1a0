/**
 * Route schemas compiled at a route's first use instead of when the app is built. Fastify compiles
 * a validator for every request part and a fast-json-stringify serializer for every response status
 * of every route before it listens; with a few hundred routes that was most of `parley serve`'s
 * start (≈ 2.6 s of 11 s of CPU on a busy machine, and much of its garbage), for routes most
 * instances never call. Deferred, each route pays a few milliseconds once, on its first request.
 *
 * The wrappers are transparent: same inputs, same results, and a schema that does not compile
 * still fails loudly (on that route's first request; `npm run spec:check` and the route tests
 * compile every schema anyway).
 */
import type { FastifySchemaCompiler } from 'fastify'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'

type Compiled = (data: unknown) => unknown

function deferred<Route>(compile: (route: Route) => Compiled, route: Route): Compiled {
  let compiled: Compiled | undefined
  return (data) => (compiled ??= compile(route))(data)
}

/** A validator compiler (e.g. TypeBox's) whose validators are built at their first request. */
export function lazyValidatorCompiler<T>(compile: FastifySchemaCompiler<T>): FastifySchemaCompiler<T> {
  return (route) => deferred(compile as (route: unknown) => Compiled, route) as ReturnType<FastifySchemaCompiler<T>>
}

type SerializerFactory = ReturnType<typeof SerializerSelector>

/**
 * Fastify's own serializer factory (fast-json-stringify, with the app's shared schemas and
 * serializer options), each route's serializer built at its first response. For the Fastify option
 * `schemaController.compilersFactory.buildSerializer`.
 */
export function lazySerializerFactory(factory: SerializerFactory = SerializerSelector()): SerializerFactory {
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options)
    return (route) => deferred(compile, route) as (doc: unknown) => string
  }
}
