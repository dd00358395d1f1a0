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

const WEB = join(import.meta.dirname, '..')
const ROOT = join(WEB, '..')
const DIST = join(WEB, 'dist')
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

function files(path: string): string[] {
  const full = join(ROOT, path)
  if (!existsSync(full)) return []
  if (!statSync(full).isDirectory()) return [path]
  return readdirSync(full)
    .sort()
    .flatMap((name) => (name.endsWith('.test.ts') ? [] : files(join(path, name))))
}

export function sourceHash(): string {
  const hash = createHash('sha256')
  for (const file of SOURCES.flatMap(files)) {
    hash.update(relative(ROOT, join(ROOT, file)).replaceAll('\\', '/') + '\0')
    hash.update(readFileSync(join(ROOT, file)))
    hash.update('\0')
  }
  return hash.digest('hex')
}

export function builtHash(): string | null {
  try {
    if (!existsSync(join(DIST, 'index.html'))) return null
    return readFileSync(join(DIST, HASH_FILE), 'utf8').trim()
  } catch {
    return null
  }
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

export async function buildWeb(options: { ifStale: boolean; log?: (line: string) => void }): Promise<boolean> {
  const log = options.log ?? ((line: string) => console.log(line))
  const wanted = sourceHash()
  if (options.ifStale && builtHash() === wanted) return false
  log(builtHash() === null ? 'web: building the web client…' : 'web: sources changed, rebuilding the web client…')
  const { build } = await import('vite')
  const temporary = join(WEB, `.dist-${process.pid}`)
  try {
    await build({
      root: WEB,
      configFile: join(WEB, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: temporary, emptyOutDir: true },
    })
    precompress(join(temporary, 'assets'))
    writeFileSync(join(temporary, HASH_FILE), wanted + '\n')
    rmSync(DIST, { recursive: true, force: true })
    renameSync(temporary, DIST)
  } finally {
    rmSync(temporary, { recursive: true, force: true })
  }
  log(`web: built into ${relative(process.cwd(), DIST) || DIST}`)
  return true
}

if (import.meta.main) {
  await buildWeb({ ifStale: process.argv.includes('--if-stale') })
}
