/**
 * The publishable @parley/client: `node scripts/build.ts [--pack]` compiles src/ with tsc into
 * ESM JavaScript and .d.ts, and assembles dist/package/ — esm/ (the SDK), protocol/ (the wire
 * types it is typed with, declarations only: the SDK never loads @parley/protocol at run time),
 * package.json with conditional exports, README.md. `--pack` then runs `npm pack` there and
 * prints the tarball's path. In the repository the workspace keeps using src/ directly.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'

const SDK = join(import.meta.dirname, '..')
const ROOT = join(SDK, '..')
const DIST = join(SDK, 'dist')
const TSC_OUT = join(DIST, 'tsc')
const PACKAGE = join(DIST, 'package')

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
}

/** Declarations keep the sources' `.ts` specifiers; published ones point at the `.js` files beside them. */
function fixDeclaration(file: string, protocolPath: string | null): void {
  let text = readFileSync(file, 'utf8').replace(/(from\s+|import\()'(\.{1,2}\/[^']+)\.ts'/g, "$1'$2.js'")
  if (protocolPath) text = text.replaceAll(`from '@parley/protocol'`, `from '${protocolPath}'`)
  writeFileSync(file, text)
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : [path]
  })
}

export function buildSdk(): string {
  rmSync(DIST, { recursive: true, force: true })
  run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], SDK)

  const esm = join(PACKAGE, 'esm')
  const protocol = join(PACKAGE, 'protocol')
  mkdirSync(esm, { recursive: true })
  mkdirSync(protocol, { recursive: true })
  cpSync(join(TSC_OUT, 'client-sdk', 'src'), esm, { recursive: true })
  for (const file of walk(esm)) {
    const depth = relative(esm, file).split('/').length - 1
    if (file.endsWith('.js') && readFileSync(file, 'utf8').includes('@parley/protocol'))
      throw new Error(`${relative(esm, file)} loads @parley/protocol at run time: import only types from it`)
    if (file.endsWith('.d.ts')) fixDeclaration(file, `${'../'.repeat(depth + 1)}protocol/index.js`)
  }
  for (const name of readdirSync(join(TSC_OUT, 'protocol', 'src'))) {
    if (!name.endsWith('.d.ts')) continue
    cpSync(join(TSC_OUT, 'protocol', 'src', name), join(protocol, name))
    fixDeclaration(join(protocol, name), null)
  }
  rmSync(TSC_OUT, { recursive: true, force: true })

  const source = JSON.parse(readFileSync(join(SDK, 'package.json'), 'utf8')) as { version: string; description: string }
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string }
  const protocolPackage = JSON.parse(readFileSync(join(ROOT, 'protocol', 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>
  }
  const entry = (name: string) => ({ types: `./esm/${name}.d.ts`, default: `./esm/${name}.js` })
  const manifest = {
    name: '@parley/client',
    version: source.version,
    description: source.description,
    license: root.license,
    type: 'module',
    sideEffects: false,
    engines: { node: '>=22' },
    exports: {
      '.': entry('index'),
      './call': entry('call'),
      './browser': entry('browser'),
      './e2ee': entry('e2ee/index'),
    },
    types: './esm/index.d.ts',
    files: ['esm', 'protocol', 'README.md'],
    // The wire types are TypeBox's Static<> of the protocol's schemas: needed for types only.
    dependencies: { typebox: protocolPackage.dependencies.typebox },
  }
  writeFileSync(join(PACKAGE, 'package.json'), JSON.stringify(manifest, null, 2) + '\n')
  cpSync(join(SDK, 'README.md'), join(PACKAGE, 'README.md'))
  return PACKAGE
}

export function packSdk(): string {
  const dir = buildSdk()
  const name = run('npm', ['pack', '--silent', '--pack-destination', DIST], dir).trim().split('\n').pop() ?? ''
  return join(DIST, name)
}

if (import.meta.main) {
  if (process.argv.includes('--pack')) console.log(packSdk())
  else console.log(buildSdk())
}
