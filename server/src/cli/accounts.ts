/** Account commands: user add/list/disable/enable, token create, invite create. */
import { randomBytes } from 'node:crypto'
import Value from 'typebox/value'
import { DisplayName, Password, Username } from '@parley/protocol'
import type { Config } from '../config/schema.ts'
import { readAll, type CliIo } from './io.ts'
import { withServices } from './with-services.ts'

type Flags = {
  admin?: boolean | undefined
  'display-name'?: string | undefined
  'password-stdin'?: boolean | undefined
  name?: string | undefined
  by?: string | undefined
  'expires-in-days'?: string | undefined
}

function positiveDays(io: CliIo, value: string | undefined): number | undefined | null {
  if (value === undefined) return undefined
  const days = Number(value)
  if (!Number.isInteger(days) || days < 1) {
    io.err(`--expires-in-days must be a whole number of days, 1 or more, not "${value}"`)
    return null
  }
  return days
}

export async function userCommand(config: Config, io: CliIo, args: string[], flags: Flags): Promise<number> {
  const [action, name] = args
  switch (action) {
    case 'add': {
      if (!name || !Value.Check(Username, name)) {
        io.err(
          'user add needs a username: lowercase letters, digits, "_", "." and "-", starting with a letter or digit',
        )
        return 2
      }
      if (flags['display-name'] !== undefined && !Value.Check(DisplayName, flags['display-name'])) {
        io.err('--display-name must be 1 to 100 characters')
        return 2
      }
      const generated = !flags['password-stdin']
      const password = generated
        ? randomBytes(18).toString('base64url')
        : (await readAll(io.stdin)).replace(/\r?\n$/, '')
      if (!Value.Check(Password, password)) {
        io.err('The password must be 10 to 1024 characters')
        return 2
      }
      return withServices(config, io, async ({ accounts }) => {
        const created = await accounts.createUser({
          username: name,
          password,
          displayName: flags['display-name'],
          role: flags.admin ? 'admin' : 'user',
        })
        if (!created.ok) {
          io.err(`The username "${name}" is taken or was used before`)
          return 1
        }
        io.out(`Created ${created.value.role} ${name} (id ${created.value.id})`)
        if (generated) io.out(`Password: ${password}\n(shown once; log in and keep it somewhere safe)`)
        return 0
      })
    }
    case 'password': {
      // An admin's reset: the new password is generated (shown once) or read from stdin; the
      // user's sessions end, so whoever held the account through the old password is out.
      if (!name) {
        io.err('user password needs a username')
        return 2
      }
      const generated = !flags['password-stdin']
      const password = generated
        ? randomBytes(18).toString('base64url')
        : (await readAll(io.stdin)).replace(/\r?\n$/, '')
      if (!Value.Check(Password, password)) {
        io.err('The password must be 10 to 1024 characters')
        return 2
      }
      return withServices(config, io, async ({ accounts }) => {
        const result = await accounts.resetPassword(name, password)
        if (!result.ok) {
          io.err(`No account named "${name}"`)
          return 1
        }
        io.out(`Set a new password for ${name} and ended its sessions`)
        if (generated) io.out(`Password: ${password}\n(shown once; hand it over somewhere safe)`)
        return 0
      })
    }
    case 'list':
      return withServices(config, io, async ({ accounts }) => {
        const users = await accounts.listUsers()
        if (users.length === 0) io.out('No accounts yet. Create the first admin with: parley user add NAME --admin')
        for (const u of users) {
          io.out(
            [
              u.username,
              u.role,
              u.disabled ? 'disabled' : 'active',
              JSON.stringify(u.displayName),
              new Date(u.createdAt).toISOString(),
            ].join('\t'),
          )
        }
        return 0
      })
    case 'disable':
    case 'enable': {
      if (!name) {
        io.err(`user ${action} needs a username`)
        return 2
      }
      return withServices(config, io, async ({ accounts }) => {
        const result = await accounts.setDisabled(name, action === 'disable')
        if (!result.ok) {
          io.err(
            result.error.type === 'last-admin'
              ? `${name} is the last active administrator: make another account an administrator first (parley user add NAME --admin)`
              : `No account named "${name}"`,
          )
          return 1
        }
        io.out(
          `${action === 'disable' ? 'Disabled' : 'Enabled'} ${name}${action === 'disable' ? ' and ended its sessions' : ''}`,
        )
        return 0
      })
    }
    default:
      io.err(
        'Usage: parley user add NAME [--admin] | user list | user disable NAME | user enable NAME | user password NAME [--password-stdin]',
      )
      return 2
  }
}

export async function tokenCommand(config: Config, io: CliIo, args: string[], flags: Flags): Promise<number> {
  const [action, username] = args
  if (action !== 'create' || !username) {
    io.err('Usage: parley token create USERNAME [--name LABEL] [--expires-in-days N]')
    return 2
  }
  const days = positiveDays(io, flags['expires-in-days'])
  if (days === null) return 2
  return withServices(config, io, async ({ store, accounts }) => {
    const user = await store.users.byUsername(username)
    if (!user || user.deletedAt !== null) {
      io.err(`No account named "${username}"`)
      return 1
    }
    const { secret } = await accounts.createToken(user.id, flags.name ?? 'cli', days)
    io.out(secret)
    return 0
  })
}

export async function inviteCommand(config: Config, io: CliIo, args: string[], flags: Flags): Promise<number> {
  if (args[0] !== 'create') {
    io.err('Usage: parley invite create [--by ADMIN] [--expires-in-days N]')
    return 2
  }
  const days = positiveDays(io, flags['expires-in-days'])
  if (days === null) return 2
  return withServices(config, io, async ({ accounts }) => {
    const admins = (await accounts.listUsers()).filter((u) => u.role === 'admin' && !u.disabled)
    const by = flags.by ? admins.find((u) => u.username === flags.by) : admins[0]
    if (!by) {
      io.err(flags.by ? `No active admin named "${flags.by}"` : 'Create an admin first: parley user add NAME --admin')
      return 1
    }
    const invite = await accounts.createInvite(by.id, days)
    io.out(invite.code)
    io.out(`(single use, valid until ${new Date(invite.expiresAt).toISOString()})`)
    return 0
  })
}
