/**
 * `parley <command>`: serve, user add/list/disable/enable/password, token create, invite create, migrate, doctor.
 * Every command loads the same config (environment, `--config FILE`) and reports all config problems
 * at once before doing anything.
 */
import { parseArgs } from 'node:util'
import { formatProblems, loadConfig } from '../config/load.ts'
import type { Config } from '../config/schema.ts'
import type { CliIo } from './io.ts'

export const USAGE = `Usage: parley [--config FILE] <command>

Commands:
  serve                              start the server (the default configuration needs nothing set)
  user add NAME [--admin] [--display-name TEXT] [--password-stdin]
                                     create an account; without --password-stdin a password is generated and printed once
  user list                          list accounts
  user disable NAME | user enable NAME
  user password NAME [--password-stdin]
                                     set a new password (generated and printed once, or from stdin); ends NAME's sessions
  token create NAME [--name LABEL] [--expires-in-days N]
                                     create a personal API token for NAME; the secret is printed once
  invite create [--by ADMIN] [--expires-in-days N]
                                     create a single-use registration invite code
  migrate                            apply pending store migrations
  doctor                             check the configuration and the store, and say what is wrong

Configuration: PARLEY_* environment variables or a JSON file (--config or PARLEY_CONFIG_FILE); see .env.example.`

export type CliResult = number | 'serving'

type Flag = 'admin' | 'display-name' | 'password-stdin' | 'name' | 'by' | 'expires-in-days'

/**
 * What each command takes besides --config and --help: how many words after it, and which flags.
 * Anything more is refused before a thing is done: `user add alice Alice Smith` created "alice"
 * without the display name, and `user add alice --name Alice` ignored --name (token create's).
 */
const SHAPES: Record<string, { words: number; flags: readonly Flag[] }> = {
  serve: { words: 0, flags: [] },
  'user add': { words: 1, flags: ['admin', 'display-name', 'password-stdin'] },
  'user list': { words: 0, flags: [] },
  'user disable': { words: 1, flags: [] },
  'user enable': { words: 1, flags: [] },
  'user password': { words: 1, flags: ['password-stdin'] },
  'token create': { words: 1, flags: ['name', 'expires-in-days'] },
  'invite create': { words: 0, flags: ['by', 'expires-in-days'] },
  migrate: { words: 0, flags: [] },
  doctor: { words: 0, flags: [] },
}
const GROUPS = new Set(['user', 'token', 'invite'])

/** Why these words and flags do not fit the command, or null when they do (or the command's own usage says it). */
function misfit(command: string, rest: string[], flags: Record<string, unknown>): string | null {
  const grouped = GROUPS.has(command)
  const name = grouped && rest[0] !== undefined ? `${command} ${rest[0]}` : command
  const shape = SHAPES[name]
  if (!shape) return grouped ? null : `Unknown command "${command}".`
  const words = grouped ? rest.slice(1) : rest
  if (words.length > shape.words)
    return `"parley ${name}" takes ${shape.words === 0 ? 'no arguments' : `one ${grouped && command !== 'invite' ? 'NAME' : 'argument'}`}; unexpected: ${words
      .slice(shape.words)
      .map((w) => JSON.stringify(w))
      .join(' ')}`
  const stray = Object.keys(flags).filter((f) => f !== 'config' && f !== 'help' && !shape.flags.includes(f as Flag))
  if (stray.length > 0)
    return `${stray.map((f) => `--${f}`).join(', ')} ${stray.length === 1 ? 'does' : 'do'} not apply to "parley ${name}"`
  return null
}

export async function runCli(argv: string[], io: CliIo): Promise<CliResult> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        admin: { type: 'boolean' },
        'display-name': { type: 'string' },
        'password-stdin': { type: 'boolean' },
        name: { type: 'string' },
        by: { type: 'string' },
        'expires-in-days': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, ...rest] = positionals
  if (values.help || !command) {
    ;(values.help ? io.out : io.err)(USAGE)
    return values.help ? 0 : 2
  }

  const wrong = misfit(command, rest, values)
  if (wrong) {
    io.err(`${wrong}\n\n${USAGE}`)
    return 2
  }

  const loaded = loadConfig({ env: io.env, file: values.config })
  if (!loaded.ok) {
    io.err(formatProblems(loaded.problems))
    return command === 'doctor' ? 1 : 78 // EX_CONFIG
  }
  const config: Config = loaded.config

  // Each command's module is loaded when it runs: `serve` need not load what `doctor` checks with.
  switch (command) {
    case 'serve':
      return (await (await import('./serve.ts')).serve(config, io)) ? 'serving' : 1
    case 'user':
      return (await import('./accounts.ts')).userCommand(config, io, rest, values)
    case 'token':
      return (await import('./accounts.ts')).tokenCommand(config, io, rest, values)
    case 'invite':
      return (await import('./accounts.ts')).inviteCommand(config, io, rest, values)
    case 'migrate':
      return (await import('./migrate.ts')).migrateCommand(config, io)
    case 'doctor':
      return (await import('./doctor.ts')).doctorCommand(config, io)
    default:
      // misfit() refused every other command above.
      throw new TypeError(`no handler for command ${command}`)
  }
}
