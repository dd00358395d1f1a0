/** Helpers for federated-room tests: REST calls as a user, and a remote user invited into a room. */
import assert from 'node:assert/strict'
import { eventually, type TestInstance } from './instance.ts'

export type Json = Record<string, unknown>
export type Api = (path: string, init?: { method?: string; body?: unknown }) => Promise<{ status: number; json: Json }>

/** A user's REST client on an instance (a fresh API token). */
export async function apiAs(instance: TestInstance, username: string, displayName?: string): Promise<{ id: string; api: Api }> {
  const existing = await instance.services.store.users.byUsername(username)
  const id = existing?.id ?? (await instance.addUser(username, displayName)).id
  const token = (await instance.services.accounts.createToken(id, 'test')).secret
  const api: Api = async (path, init = {}) => {
    const res = await fetch(`${instance.origin}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json }
  }
  return { id, api }
}

/** The host's user invites `username` of `memberInstance` to `roomId`; the invitee accepts; resolves once they are a participant on the host. */
export async function inviteAndJoin(host: TestInstance, inviter: Api, roomId: string, memberInstance: TestInstance, member: Api, username: string): Promise<void> {
  const sent = await inviter(`/api/v1/rooms/${roomId}/remote-invites`, { method: 'POST', body: { target: `@${username}@${memberInstance.host}` } })
  assert.equal(sent.status, 202, JSON.stringify(sent.json))
  await eventually(async () => ((await member('/api/v1/me/room-invitations')).json.invitations as Json[]).some((i) => i.inviteId === sent.json.inviteId), 15_000, 'the invitation')
  assert.equal((await member('/api/v1/me/room-invitations/answer', { method: 'POST', body: { inviteId: sent.json.inviteId, accept: true } })).status, 204)
  await eventually(async () => (await host.services.store.participants.get(roomId, `${memberInstance.origin}/users/${username}`))?.state === 'active', 15_000, 'the member on the host')
}

/** A room's text messages on its host as (seq, author, body, edited, deleted, reactions) — what the replicas must show. */
export async function hostView(host: TestInstance, roomId: string, authorUri: (actorId: string) => Promise<string>): Promise<unknown[]> {
  const messages = (await host.services.store.messages.history({ roomId, after: 0, limit: 1000 })).filter((m) => m.kind === 'text')
  const reactions = await host.services.store.messages.reactions(roomId, messages.map((m) => m.seq))
  const out = []
  for (const m of messages) {
    out.push({
      seq: m.seq,
      author: await authorUri(m.actorId),
      body: m.body,
      edited: m.editedAt !== null,
      deleted: m.deletedAt !== null,
      reactions: reactions.filter((r) => r.seq === m.seq).map((r) => `${r.emoji}`).sort(),
    })
  }
  return out
}

/** The same view of a replica, through the member's REST API. */
export async function replicaView(member: Api, roomUri: string): Promise<unknown[]> {
  const { status, json } = await member(`/api/v1/me/remote-rooms/messages?room=${encodeURIComponent(roomUri)}`)
  assert.equal(status, 200, JSON.stringify(json))
  return (json.messages as Json[]).map((m) => ({
    seq: m.seq,
    author: m.authorId,
    body: m.body,
    edited: m.editedAt !== null,
    deleted: m.deletedAt !== null,
    reactions: (m.reactions as Json[]).map((r) => String(r.emoji)).sort(),
  }))
}
