/** Helpers for federated-room tests: REST calls as a user, and a remote user invited into a room. */
import assert from 'node:assert/strict'
import { eventually, type TestInstance } from './instance.ts'

export type Json = Record<string, unknown>
export type Api = ((
  path: string,
  init?: { method?: string; body?: unknown },
) => Promise<{ status: number; json: Json }>) & {
  /** The instance the client talks to (its users' actor URLs start with it). */
  origin?: string
}

/** A user's REST client on an instance (a fresh API token). */
export async function apiAs(
  instance: TestInstance,
  username: string,
  displayName?: string,
): Promise<{ id: string; api: Api }> {
  const existing = await instance.services.store.users.byUsername(username)
  const id = existing?.id ?? (await instance.addUser(username, displayName)).id
  const token = (await instance.services.accounts.createToken(id, 'test')).secret
  const api: Api = async (path, init = {}) => {
    const res = await fetch(`${instance.origin}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json }
  }
  api.origin = instance.origin
  return { id, api }
}

/** The host's user invites `username` of `memberInstance` to `roomId`; the invitee accepts; resolves once they are a participant on the host. */
export async function inviteAndJoin(
  host: TestInstance,
  inviter: Api,
  roomId: string,
  /** The member's instance: an in-process one, or a child process (only its origin and host are used). */
  memberInstance: Pick<TestInstance, 'origin' | 'host'>,
  member: Api,
  username: string,
): Promise<void> {
  const sent = await inviter(`/api/v1/rooms/${roomId}/remote-invites`, {
    method: 'POST',
    body: { target: `@${username}@${memberInstance.host}` },
  })
  assert.equal(sent.status, 202, JSON.stringify(sent.json))
  await eventually(
    async () =>
      ((await member('/api/v1/me/room-invitations')).json.invitations as Json[]).some(
        (i) => i.inviteId === sent.json.inviteId,
      ),
    15_000,
    'the invitation',
  )
  assert.equal(
    (
      await member('/api/v1/me/room-invitations/answer', {
        method: 'POST',
        body: { inviteId: sent.json.inviteId, accept: true },
      })
    ).status,
    204,
  )
  await eventually(
    async () =>
      (await host.services.store.participants.get(roomId, `${memberInstance.origin}/users/${username}`))?.state ===
      'active',
    15_000,
    'the member on the host',
  )
}

/** A room's text messages on its host as (seq, author, body, edited, deleted, reactions) — what the replicas must show. */
export async function hostView(
  host: TestInstance,
  roomId: string,
  authorUri: (actorId: string) => Promise<string>,
): Promise<unknown[]> {
  const messages = (await host.services.store.messages.history({ roomId, after: 0, limit: 1000 })).filter(
    (m) => m.kind === 'text',
  )
  const reactions = await host.services.store.messages.reactions(
    roomId,
    messages.map((m) => m.seq),
  )
  const out = []
  for (const m of messages) {
    out.push({
      seq: m.seq,
      author: await authorUri(m.actorId),
      body: m.body,
      edited: m.editedAt !== null,
      deleted: m.deletedAt !== null,
      reactions: reactions
        .filter((r) => r.seq === m.seq)
        .map((r) => `${r.emoji}`)
        .sort(),
    })
  }
  return out
}

/** The id, on the member's instance, of the room hosted at `roomUri` (it is listed once joined), or null. */
export async function mirrorOf(member: Api, roomUri: string): Promise<string | null> {
  const { status, json } = await member('/api/v1/rooms')
  assert.equal(status, 200, JSON.stringify(json))
  const room = (json.rooms as (Json & { host?: { roomUri: string } })[]).find((r) => r.host?.roomUri === roomUri)
  return room ? String(room.id) : null
}

/**
 * The same view of a room hosted elsewhere, through the member's ordinary rooms API (its users'
 * messages carry their local ids there: shown as their actor URLs, as the host names them).
 */
export async function replicaView(member: Api, roomUri: string): Promise<unknown[]> {
  const roomId = await mirrorOf(member, roomUri)
  if (!roomId) return []
  const me = (await member('/api/v1/me')).json as { id: string; username: string }
  const messages: Json[] = []
  for (let after = 0; ;) {
    const { status, json }: { status: number; json: Json } = await member(
      `/api/v1/rooms/${roomId}/messages?after=${after}&limit=200`,
    )
    assert.equal(status, 200, JSON.stringify(json))
    const page = json.messages as Json[]
    messages.push(...page)
    if (!json.hasNewer || page.length === 0) break
    after = Number(page[page.length - 1]!.seq)
  }
  return messages
    .filter((m) => m.kind === 'text')
    .map((m) => {
      const actor = m.actor as { id: string }
      return {
        seq: m.seq,
        author: actor.id === me.id ? `${member.origin}/users/${me.username}` : actor.id,
        body: m.body,
        edited: m.editedAt !== null,
        deleted: m.deletedAt !== null,
        reactions: (m.reactions as { emoji: string; count: number }[])
          .flatMap((r) => Array.from({ length: r.count }, () => r.emoji))
          .sort(),
      }
    })
}

/** What a member does in a room hosted elsewhere, through the ordinary chat API of its own instance. */
export async function memberAct(
  member: Api,
  roomUri: string,
  action:
    | { type: 'post'; body: string; replyTo?: number }
    | { type: 'edit'; seq: number; body: string }
    | { type: 'delete'; seq: number }
    | { type: 'react' | 'unreact'; seq: number; emoji: string },
): Promise<{ status: number; json: Json }> {
  const roomId = await mirrorOf(member, roomUri)
  if (!roomId) return { status: 404, json: { error: { code: 'room-not-found' } } }
  const base = `/api/v1/rooms/${roomId}/messages`
  switch (action.type) {
    case 'post':
      return member(base, {
        method: 'POST',
        body: action.replyTo === undefined ? { body: action.body } : { body: action.body, replyTo: action.replyTo },
      })
    case 'edit':
      return member(`${base}/${action.seq}`, { method: 'PATCH', body: { body: action.body } })
    case 'delete':
      return member(`${base}/${action.seq}`, { method: 'DELETE' })
    case 'react':
    case 'unreact':
      return member(`${base}/${action.seq}/reactions/${encodeURIComponent(action.emoji)}`, {
        method: action.type === 'react' ? 'PUT' : 'DELETE',
      })
  }
}
