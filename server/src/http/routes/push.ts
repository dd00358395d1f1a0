/** Web Push: the instance's VAPID public key and the signed-in user's push subscriptions. */
import type { FastifyInstance } from 'fastify'
import {
  ErrorBody,
  PushPublicKey,
  PushSubscriptionCreate,
  PushSubscriptionList,
  PushSubscriptionParams,
  PushSubscriptionView,
} from '@parley/protocol'
import { ownerOf, type PushService } from '../../push/push-service.ts'
import type { PushSubscriptionRecord } from '../../store/push-records.ts'
import { ApiError, unwrap } from '../api-error.ts'
import { currentAuth, requireUser } from '../auth.ts'
import { iso } from '../views.ts'

function subscriptionView(record: PushSubscriptionRecord, owner: string): PushSubscriptionView {
  return { id: record.id, endpoint: record.endpoint, createdAt: iso(record.createdAt), current: record.owner === owner }
}

export function pushRoutes(app: FastifyInstance, push: PushService): void {
  const tags = ['push']
  const err = { '4xx': ErrorBody }

  app.get(
    '/api/v1/push/public-key',
    {
      schema: {
        tags,
        summary: "The instance's VAPID public key (applicationServerKey for PushManager.subscribe)",
        response: { 200: PushPublicKey, ...err },
      },
    },
    async () => ({ publicKey: push.publicKey }),
  )

  app.get(
    '/api/v1/me/push-subscriptions',
    {
      preHandler: requireUser,
      schema: {
        tags,
        summary: 'My push subscriptions (browsers and devices)',
        response: { 200: PushSubscriptionList, ...err },
      },
    },
    async (request) => {
      const auth = currentAuth(request)
      const owner = ownerOf(auth)
      return { subscriptions: (await push.list(auth.user.id)).map((s) => subscriptionView(s, owner)) }
    },
  )

  app.post(
    '/api/v1/me/push-subscriptions',
    {
      preHandler: requireUser,
      schema: {
        tags,
        summary: 'Receive pushes in this browser (its PushSubscription.toJSON())',
        description:
          'The subscription belongs to the session or token making this request and ends with it. Subscribing an endpoint again replaces its keys (same id). The endpoint must be https on a public address (push-endpoint-invalid), the keys a P-256 point and a 16-byte secret (push-keys-invalid); past the per-person limit: push-subscription-limit. Pushes come for mentions, replies to you and calls starting in your rooms (payload: PushPayload).',
        body: PushSubscriptionCreate,
        response: { 201: PushSubscriptionView, ...err },
      },
    },
    async (request, reply) => {
      const auth = currentAuth(request)
      const stored = unwrap(await push.subscribe(auth, request.body as PushSubscriptionCreate))
      return reply.code(201).send(subscriptionView(stored, ownerOf(auth)))
    },
  )

  app.delete(
    '/api/v1/me/push-subscriptions/:id',
    {
      preHandler: requireUser,
      schema: {
        tags,
        summary: 'Stop pushes to one of my subscriptions',
        params: PushSubscriptionParams,
        response: err,
      },
    },
    async (request, reply) => {
      const { id } = request.params as PushSubscriptionParams
      if (!(await push.remove(currentAuth(request).user.id, id)))
        throw new ApiError('not-found', 'No such push subscription of yours')
      return reply.code(204).send()
    },
  )
}
