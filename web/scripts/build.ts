/**
 * Builds the web client into web/dist with Vite, unless the build there was made from exactly the
 * sources it would be made from now (`--if-stale`): a SHA-256 over the web client's sources, the
 * SDK and protocol it bundles, and the lockfile is written to dist/.source-hash and compared. So
 * `npm start` on a fresh clone builds once, rebuilds after any change, and never serves a stale
 * or half-written build (Vite writes to a temporary folder, which then replaces dist/).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

/** The repository this script lives in; tests point the functions below at a folder of their own. */
const REPO = join(import.meta.dirname, '..', '..')
const HASH_FILE = '.source-hash'
const SOURCES = [
  'web/src',
  'web/public',
  'web/index.html',
  'web/vite.config.ts',
  'web/package.json',
  'client-sdk/src',
  'client-sdk/package.json',
  'protocol/src',
  'package-lock.json',
]

const distOf = (root: string) => join(root, 'web', 'dist')

function files(root: string, path: string): string[] {
  const full = join(root, path)
  if (!existsSync(full)) return []
  if (!statSync(full).isDirectory()) return [path]
  return readdirSync(full)
    .sort()
    .flatMap((name) => (name.endsWith('.test.ts') ? [] : files(root, join(path, name))))
}

export function sourceHash(root = REPO): string {
  const hash = createHash('sha256')
  for (const file of SOURCES.flatMap((source) => files(root, source))) {
    hash.update(file.replaceAll('\\', '/') + '\0')
    hash.update(readFileSync(join(root, file)))
    hash.update('\0')
  }
  return hash.digest('hex')
}

export function builtHash(root = REPO): string | null {
  const dist = distOf(root)
  try {
    if (!existsSync(join(dist, 'index.html'))) return null
    return readFileSync(join(dist, HASH_FILE), 'utf8').trim()
  } catch {
    return null
  }
}

/**
 * Whether web/dist must be (re)built: `missing` (no build, or one without its index.html or
 * source hash: half-written or made by hand), `changed` (made from other sources), or `fresh`.
 * A hash, not file times: a checkout or copy that touches files without changing them rebuilds
 * nothing, and going back to older sources does rebuild.
 */
export function buildState(root = REPO): { state: 'missing' | 'changed' | 'fresh'; wanted: string } {
  const wanted = sourceHash(root)
  const built = builtHash(root)
  return { state: built === null ? 'missing' : built === wanted ? 'fresh' : 'changed', wanted }
}

/** Brotli and gzip copies beside each script and stylesheet: the server sends them as they are. */
function precompress(dir: string): void {
  if (!existsSync(dir)) return
  for (const name of readdirSync(dir)) {
    if (!/\.(js|css|svg)$/.test(name)) continue
    const body = readFileSync(join(dir, name))
    writeFileSync(
      join(dir, `${name}.br`),
      brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    )
    writeFileSync(join(dir, `${name}.gz`), gzipSync(body, { level: 9 }))
  }
}

/** Vite's production build of the web client at `root`/web into `outDir`. */
async function viteBundle(root: string, outDir: string): Promise<void> {
  const web = join(root, 'web')
  const { build } = await import('vite')
  await build({
    root: web,
    configFile: join(web, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  })
}

export type BuildOptions = {
  ifStale: boolean
  log?: (line: string) => void
  /** The repository to build (default: this one). */
  root?: string
  /** What writes the bundle into a folder (default: Vite); tests give a small stand-in. */
  bundle?: (root: string, outDir: string) => Promise<void>
}

/** Builds web/dist (only when stale with `ifStale`); resolves with whether it built. */
export async function buildWeb(options: BuildOptions): Promise<boolean> {
  const log = options.log ?? ((line: string) => console.log(line))
  const root = options.root ?? REPO
  const { state, wanted } = buildState(root)
  if (options.ifStale && state === 'fresh') return false
  log(state === 'missing' ? 'web: building the web client…' : 'web: sources changed, rebuilding the web client…')
  const dist = distOf(root)
  const temporary = join(root, 'web', `.dist-${process.pid}`)
  try {
    await (options.bundle ?? viteBundle)(root, temporary)
    precompress(join(temporary, 'assets'))
    writeFileSync(join(temporary, HASH_FILE), wanted + '\n')
    rmSync(dist, { recursive: true, force: true })
    renameSync(temporary, dist)
  } finally {
    rmSync(temporary, { recursive: true, force: true })
  }
  log(`web: built into ${relative(process.cwd(), dist) || dist}`)
  return true
}

if (import.meta.main) {
  await buildWeb({ ifStale: process.argv.includes('--if-stale') })
}
