/**
 * Host side: a local room's poll as member instances get it — a FederatedPoll, the whole poll as
 * it stands now (later results included: a member replaces its copy with it), voters named by
 * their actor URLs. One source for the live fan-out (room-fanout-bridge.ts) and the history pages
 * a member instance pulls when it joins late or missed events (remote-membership.ts).
 */
import type { FederatedPoll } from '@parley/protocol'
import type { Store } from '../store/ports.ts'
import { isRemoteActorId } from '../store/actor-ids.ts'

/** Remote accounts' ids are their actor URLs already; local users get theirs. */
export async function actorUrl(store: Pick<Store, 'users'>, origin: string, id: string): Promise<string> {
  if (isRemoteActorId(id)) return id
  const user = await store.users.byId(id)
  return `${new URL(origin).origin}/users/${user?.username ?? id}`
}

export async function federatedPoll(
  store: Pick<Store, 'polls' | 'users'>,
  origin: string,
  pollId: string,
): Promise<FederatedPoll | null> {
  const poll = await store.polls.byId(pollId)
  if (!poll) return null
  const votes: FederatedPoll['votes'] = []
  let n = 0
  for (const v of await store.polls.votes(pollId)) {
    // Anonymous: numbered in vote order, saying nothing about who (members replace all votes each time).
    const voter = poll.anonymous ? `${++n}` : await actorUrl(store, origin, v.actorId)
    votes.push({ voter, name: poll.anonymous ? '' : v.actorName, options: v.options })
  }
  return {
    id: poll.id,
    question: poll.question,
    options: poll.options,
    multiple: poll.multiple,
    anonymous: poll.anonymous,
    closedAt: poll.closedAt,
    votes,
  }
}
