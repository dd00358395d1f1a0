import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../store/sqlite/sqlite-store.ts'
import { AccountService } from './account-service.ts'
import { LoginLimiter } from './login-limiter.ts'

describe('AccountService hooks', () => {
  let dir: string
  let store: SqliteStore
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-accounts-'))
    store = new SqliteStore(join(dir, 'parley.sqlite'))
    await store.migrate()
  })
  after(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('AccountService.createUser() and updateProfile() succeed when federation fails, and report what failed', async () => {
    const reported: { error: unknown; failed: string }[] = []
    const accounts = new AccountService({
      store,
      limiter: new LoginLimiter({ perAccount: 5, perAddress: 20, windowSeconds: 60 }),
      registration: 'open',
      sessionTtlMs: 3_600_000,
      onUserCreated: () => Promise.reject(new Error('key store is read-only')),
      onProfileChanged: () => Promise.reject(new Error('queue is down')),
      onError: (error, failed) => reported.push({ error, failed }),
    })
    const created = await accounts.createUser({ username: 'dora', displayName: 'Dora' })
    assert.equal(created.ok, true)
    const updated = await accounts.updateProfile(created.ok ? created.value.id : '', 'Dora E.')
    assert.equal(updated?.displayName, 'Dora E.')
    assert.equal((await store.users.byUsername('dora'))?.displayName, 'Dora E.')
    assert.deepEqual(
      reported.map((r) => [(r.error as Error).message, r.failed]),
      [
        ['key store is read-only', 'preparing the new account dora for federation failed'],
        ['queue is down', "telling the Fediverse of dora's new profile failed"],
      ],
    )
  })
})
