/**
 * A test instance with two people in a group room, and helpers to upload and to see what the
 * instance keeps (rows of the file tables, blobs on disk), so refusals can be shown to keep nothing.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { MessageView, RoomView } from '@parley/protocol'
import { startTestInstance, type TestInstance, type TestInstanceOptions, type TestUser } from './test-instance.ts'
import { multipart, type Part } from './files.ts'

export type FileFixture = {
  t: TestInstance
  owner: TestUser
  member: TestUser
  outsider: TestUser
  room: RoomView
  upload(
    parts: Part[],
    as?: TestUser,
    roomId?: string,
  ): ReturnType<TestInstance['call']> & Promise<{ json<T = MessageView>(): T }>
  /** Blob files on disk (the local store), partial ones included. */
  blobFiles(): Promise<string[]>
  /** Rows of the file tables. */
  kept(): Promise<{ files: number; blobs: number }>
}

export async function fileFixture(options: TestInstanceOptions = {}): Promise<FileFixture> {
  const t = await startTestInstance(options)
  const owner = await t.user('olga')
  const member = await t.user('mia')
  const outsider = await t.user('otto')
  const room = (
    await t.call('POST', '/api/v1/rooms', { headers: owner.auth, body: { kind: 'group', name: 'Files' } })
  ).json<RoomView>()
  const added = await t.call('POST', `/api/v1/rooms/${room.id}/participants`, {
    headers: owner.auth,
    body: { userId: member.user.id },
  })
  if (added.statusCode !== 201) throw new Error(`cannot add member: ${added.body}`)
  const root = join(t.dir, 'files')
  return {
    t,
    owner,
    member,
    outsider,
    room,
    upload(parts, as = owner, roomId = room.id) {
      const { body, contentType } = multipart(parts)
      return t.call('POST', `/api/v1/rooms/${roomId}/files`, {
        headers: { ...as.auth, 'content-type': contentType },
        body,
      }) as never
    },
    async blobFiles() {
      const found: string[] = []
      const walk = async (dir: string): Promise<void> => {
        let entries
        try {
          entries = await readdir(dir, { withFileTypes: true })
        } catch {
          return
        }
        for (const entry of entries) {
          if (entry.isDirectory()) await walk(join(dir, entry.name))
          else found.push(join(dir, entry.name).slice(root.length + 1))
        }
      }
      await walk(root)
      return found.sort()
    },
    kept: () => rowCounts(t),
  }
}

async function rowCounts(t: TestInstance): Promise<{ files: number; blobs: number }> {
  const { DatabaseSync } = await import('node:sqlite')
  const db = new DatabaseSync(join(t.dir, 'parley.sqlite'), { readOnly: true })
  try {
    const count = (table: string) => Number(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n)
    return { files: count('files'), blobs: count('blobs') }
  } finally {
    db.close()
  }
}
