/**
 * Wires federated calls into one instance's app (buildApp, when federation is on): the member side
 * in front of the local call front door (remote rooms' call frames go to their hosts), and the host
 * side's signed channel route (other instances' members in our calls).
 */
import type { FastifyInstance } from 'fastify'
import type { ParleyFederation } from '@parley/federation'
import type { Logger } from '../logger.ts'
import type { Store } from '../store/ports.ts'
import type { Bus } from '../bus/bus.ts'
import type { CallFrontDoor, CallRunner, CallService } from '../calls/call-service.ts'
import type { ClusterCallLeases } from '../calls/call-lease.ts'
import { CascadeMember, type CascadeMemberDeps } from './cascade-member.ts'
import { CascadeHost } from './cascade-host.ts'
import { HostCallRelay } from './host-call-relay.ts'
import { cascadeChannelRoute } from './channel-route.ts'

export type CascadeDeps = {
  publicOrigin: string
  federation: ParleyFederation
  store: Store
  bus: Bus
  /** The local call front door: the call service, or the forwarding between nodes in front of it. */
  local: CallFrontDoor
  service: CallService
  logger: Logger
  /** Our own SFU, when we run one: calls hosted elsewhere run through it (bridged-calls.ts). */
  bridging?: CascadeMemberDeps['bridging']
}

/**
 * The member side in front of the call service: remote rooms' call frames go to their hosts, the
 * rest to `local`. On several nodes CallForwarding sits in front of it (app.ts).
 */
export function cascadeFrontDoor(
  deps: Omit<CascadeDeps, 'service' | 'local'> & {
    local: CallRunner
    leases?: ClusterCallLeases
    onCallStarted?: CascadeMemberDeps['onCallStarted']
  },
): CascadeMember {
  return new CascadeMember({
    publicOrigin: deps.publicOrigin,
    local: deps.local,
    store: deps.store,
    repositories: deps.store.federation,
    federation: deps.federation,
    bus: deps.bus,
    logger: deps.logger,
    ...(deps.leases ? { leases: deps.leases } : {}),
    ...(deps.bridging ? { bridging: deps.bridging } : {}),
    ...(deps.onCallStarted ? { onCallStarted: deps.onCallStarted } : {}),
  })
}

/**
 * The host side: the signed channel route other instances connect to. After the realtime gateway,
 * whose WebSocket plugin it needs. With several nodes (`leases`), a channel on this node reaches
 * the calls that run on the others (host-call-relay.ts).
 */
export async function installCascadeHost(
  app: FastifyInstance,
  deps: Omit<CascadeDeps, 'bus'> & { bus: Bus; leases?: ClusterCallLeases },
): Promise<CascadeHost> {
  const { service } = deps
  const relay = deps.leases
    ? await HostCallRelay.start({
        bus: deps.bus,
        leases: deps.leases,
        call: (roomId) => service.call(roomId),
        logger: deps.logger,
      })
    : undefined
  const host = new CascadeHost({
    publicOrigin: deps.publicOrigin,
    store: deps.store,
    bus: deps.bus,
    calls: deps.local,
    service: deps.service,
    logger: deps.logger,
    ...(relay ? { relay } : {}),
  })
  cascadeChannelRoute(app, { federation: deps.federation, host, publicOrigin: deps.publicOrigin, logger: deps.logger })
  app.addHook('preClose', async () => host.close())
  if (relay) app.addHook('onClose', async () => relay.close())
  return host
}
