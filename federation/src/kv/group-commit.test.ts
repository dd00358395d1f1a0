import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { GroupCommit } from './group-commit.ts'

/** A real WAL database file, a second connection to read it as another thread would, and the transactions begun. */
function database() {
  const dir = mkdtempSync(join(tmpdir(), 'parley-group-commit-'))
  const db = new DatabaseSync(join(dir, 'queue.sqlite'))
  db.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (v TEXT NOT NULL UNIQUE) STRICT')
  const reader = new DatabaseSync(join(dir, 'queue.sqlite'))
  const begun: string[] = []
  const exec = db.exec.bind(db)
  db.exec = (sql: string) => {
    if (sql.startsWith('BEGIN')) begun.push(sql)
    exec(sql)
  }
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)')
  const rows = () =>
    reader
      .prepare('SELECT v FROM t ORDER BY v')
      .all()
      .map((row) => row.v)
  const close = () => {
    reader.close()
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return { db, begun, insert, rows, close }
}

describe('GroupCommit: the writes of one turn of the event loop in one transaction', () => {
  it('commits the writes of callers in the same turn together, and each caller learns of it only once they are on disk', async () => {
    const { db, begun, insert, rows, close } = database()
    try {
      const commits = GroupCommit.of(db)
      const written = ['a', 'b', 'c'].map((v) => commits.write((batch) => batch.push(() => insert.run(v))))
      assert.deepEqual(rows(), [], 'nothing is written before the turn ends')
      await Promise.all(written)
      assert.deepEqual(rows(), ['a', 'b', 'c'], 'seen by another connection once the callers are told')
      assert.deepEqual(begun, ['BEGIN IMMEDIATE'], 'one transaction for the three')
      await commits.write((batch) => batch.push(() => insert.run('d')))
      assert.equal(begun.length, 1, 'a lone write is atomic by itself: no transaction around it')
      assert.deepEqual(rows(), ['a', 'b', 'c', 'd'])
    } finally {
      close()
    }
  })

  it('a failing write rolls the whole batch back and fails every caller in it; the next turn writes again', async () => {
    const { db, insert, rows, close } = database()
    try {
      const commits = GroupCommit.of(db)
      const ok = commits.write((batch) => batch.push(() => insert.run('x')))
      const duplicate = commits.write((batch) =>
        batch.push(
          () => insert.run('y'),
          () => insert.run('y'),
        ),
      )
      const results = await Promise.allSettled([ok, duplicate])
      assert.deepEqual(
        results.map((result) => result.status),
        ['rejected', 'rejected'],
      )
      assert.deepEqual(rows(), [], 'nothing of the batch is left')
      await commits.write((batch) => batch.push(() => insert.run('z')))
      assert.deepEqual(rows(), ['z'])
    } finally {
      close()
    }
  })

  it('flush() commits what waits at once (before the connection is closed); the turn then has nothing left', async () => {
    const { db, begun, insert, rows, close } = database()
    try {
      const commits = GroupCommit.of(db)
      const written = commits.write((batch) => batch.push(() => insert.run('early')))
      commits.flush()
      assert.deepEqual(rows(), ['early'])
      await written
      assert.deepEqual(begun, [], 'one write alone: no transaction')
    } finally {
      close()
    }
  })
})
