/**
 * Request log lines at debug level: info is for lifecycle changes (started, stopped), not for every
 * request (CONVENTIONS: LiveKit's logging levels). Failures still log at error.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/**
 * Query parameters that are credentials (the signature of a file's capability link, the token of a
 * calendar feed) are not logged.
 */
const SECRET_PARAMS = /([?&](?:signature|token)=)[^&#]*/gi

export class ParleyLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    const { method, url, host, ip, socket } = request
    const logged = SECRET_PARAMS.test(url)
      ? {
          method,
          url: url.replace(SECRET_PARAMS, '$1[redacted]'),
          host,
          remoteAddress: ip,
          remotePort: socket?.remotePort,
        }
      : request
    SECRET_PARAMS.lastIndex = 0
    request.log.debug({ req: logged }, 'incoming request')
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored')
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed')
  }
}
