/**
 * Request log lines at debug level: info is for lifecycle changes (started, stopped), not for every
 * request (CONVENTIONS: LiveKit's logging levels). Failures still log at error.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

export class ParleyLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored')
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed')
  }
}
