/**
 * The baseline of `npm run bench:startup`: a bare Fastify server (one route and /readyz) on the same
 * Node, loaded the same way (TypeScript stripped by Node, the same compile cache), listening on a free
 * loopback port. It prints `{"port": N}` once listening and stops on SIGTERM.
 */
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/', async () => ({ hello: 'world' }))
app.get('/readyz', async () => ({ status: 'ok' }))
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }) + '\n')
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
