/**
 * Generates spec/ from the code: the OpenAPI document (from the Fastify route schemas, which come
 * from @parley/protocol), one JSON Schema file per protocol schema, and the error-code table; and
 * `.env.example` from the config schema, so every option is listed with its default and meaning.
 *   node scripts/spec.ts write   — regenerate
 *   node scripts/spec.ts check   — exit 1 when spec/ has drifted from protocol/ (part of npm test)
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import Type from 'typebox'
import * as protocol from '@parley/protocol'
import { ConfigSchema, createInstance, createLogger, envName, loadConfig, SqliteStore } from '@parley/server'

const repo = join(import.meta.dirname, '..')
const root = join(repo, 'spec')
const ENV_EXAMPLE = '../.env.example'

function envExample(): string {
  const lines = [
    '# Parley configuration (generated from server/src/config/schema.ts by `npm run spec:generate`).',
    '# Every option has a default, so Parley starts with nothing set. Set options as environment variables',
    '# (below) or in a JSON file named by PARLEY_CONFIG_FILE (or `parley --config FILE`) whose keys are the',
    '# camelCase names (publicOrigin, port, …). The environment wins over the file; list options are',
    '# comma-separated in the environment. Invalid or unknown options are all reported at start.',
  ]
  for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
    const { description, default: fallback } = schema as unknown as { description: string; default: unknown }
    lines.push('', ...wrap(description, 98).map((line) => `# ${line}`))
    lines.push(`# ${envName(key)}=${Array.isArray(fallback) ? fallback.join(',') : String(fallback)}`)
  }
  return lines.join('\n') + '\n'
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines
}

async function generate(): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n'

  for (const [name, value] of Object.entries(protocol).sort(([a], [b]) => a.localeCompare(b))) {
    if (typeof value === 'object' && value !== null && '~kind' in value && Type.IsSchema(value))
      files.set(
        `schemas/${name}.json`,
        json({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: name, ...value }),
      )
  }
  files.set('error-codes.json', json(protocol.ErrorCodes))
  files.set(ENV_EXAMPLE, envExample())

  const loaded = loadConfig({ env: {} })
  if (!loaded.ok) throw new Error('default config is invalid')
  const store = new SqliteStore(':memory:')
  const instance = await createInstance(loaded.config, { logger: createLogger('silent'), store })
  await instance.app.ready()
  // The document the instance serves (built at its first request: server/src/http/openapi.ts).
  files.set('openapi.json', json((await instance.app.inject({ url: '/api/openapi.json' })).json()))
  await instance.close()
  return files
}

function existing(): Map<string, string> {
  const files = new Map<string, string>()
  for (const sub of ['', 'schemas']) {
    const dir = join(root, sub)
    if (!existsSync(dir)) continue
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.json'))
        files.set(sub ? `${sub}/${entry.name}` : entry.name, readFileSync(join(dir, entry.name), 'utf8'))
    }
  }
  return files
}

const mode = process.argv[2]
const wanted = await generate()
if (mode === 'write') {
  rmSync(join(root, 'schemas'), { recursive: true, force: true })
  mkdirSync(join(root, 'schemas'), { recursive: true })
  for (const [path, text] of wanted) writeFileSync(join(root, path), text)
  console.log(`wrote ${wanted.size} files to spec/`)
} else if (mode === 'check') {
  const have = existing()
  have.set(ENV_EXAMPLE, existsSync(join(repo, '.env.example')) ? readFileSync(join(repo, '.env.example'), 'utf8') : '')
  const drift = [
    ...[...wanted.keys()]
      .filter((path) => have.get(path) !== wanted.get(path))
      .map((path) => (have.has(path) ? `changed: spec/${path}` : `missing: spec/${path}`)),
    ...[...have.keys()].filter((path) => !wanted.has(path)).map((path) => `stale: spec/${path}`),
  ]
  if (drift.length > 0) {
    console.error(
      `spec/ or .env.example has drifted from the code (run "npm run spec:generate" and commit):\n  ${drift.join('\n  ')}`,
    )
    process.exit(1)
  }
  console.log(`spec/ matches protocol/ (${wanted.size} files)`)
} else {
  console.error('usage: node scripts/spec.ts write|check')
  process.exit(2)
}
