/**
 * Bundles the server with esbuild into server/dist, unless the bundle there is fresh (`--if-stale`;
 * server/bin/server-bundle.js says what fresh means). `parley` runs the bundle when it is fresh and
 * the TypeScript sources otherwise: a restart then loads a few dozen files instead of ~1,800
 * modules (bench/startup-bench.ts measures both).
 *
 * Two entries, `main` (the CLI) and `federation-worker-thread` (federation-workers.ts starts it),
 * ESM with code splitting: what the sources import lazily (`import()`: the CLI's other commands,
 * MongoDB, Janus, tus, file-type, web-push…) lands in chunks loaded only when used, so a bundled
 * `parley serve` loads no more than the sources do (bundle.test.ts checks it against the same list
 * as cli/startup-modules.test.ts). Fedify's patches (patches/) are in node_modules when this runs,
 * so the bundle holds the patched code, and applying a patch later makes the bundle stale.
 *
 * Every module keeps the location it has in the sources: `import.meta.url`, `import.meta.dirname`,
 * `__dirname` and `__filename` are replaced by the module's own path, so `createRequire(import.meta.url)`
 * (lazy CommonJS loads: ioredis, rrule, undici, prom-client…) resolves the same package from the same
 * folder, and packages that read files beside their code (pino's transports, @fastify/swagger-ui,
 * ical-timezones) find them. Only `new URL('./x.ts', import.meta.url)` naming another entry (the
 * worker thread) points into the bundle. The bundle is therefore tied to this checkout's folder
 * (the manifest records it). Native and platform packages stay external (EXTERNAL).
 */
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type * as Esbuild from 'esbuild'
import { MANIFEST, MANIFEST_VERSION, REPO, bundleStaleness, distOf, fileStamp } from '../bin/server-bundle.js'

export { bundleStaleness }

/** The bundle's entries: name in server/dist → source. */
export const ENTRIES = {
  main: 'server/src/main.ts',
  'federation-worker-thread': 'server/src/federation/federation-worker-thread.ts',
} as const

/**
 * Loaded from node_modules at run time rather than bundled: sharp loads its native addon through
 * platform packages (@img/sharp-*), and a `.node` file cannot be bundled.
 */
const EXTERNAL = ['sharp']

/** Files besides the bundle's sources whose change must rebuild it. */
const ALSO_WATCHED = [
  'package-lock.json',
  // Written by every npm install/ci/uninstall that changes node_modules, also when package-lock.json stays.
  'node_modules/.package-lock.json',
  'server/scripts/bundle.ts',
  'server/bin/server-bundle.js',
]

/**
 * What `parley` checks before each start: our own sources the bundle took in, and what decides the
 * node_modules files it took in — the lockfiles above, and patches/ with every file a patch changes.
 * Not each node_modules file: the ~2,900 stat() calls cost ≈ 30–60 ms of every start here (measured),
 * and those files change only by an install or a patch, both covered. After editing a file in
 * node_modules by hand, run `npm run build:server`.
 */
function watchedFiles(root: string, inputs: string[]): string[] {
  const patchDir = join(root, 'patches')
  const patches = existsSync(patchDir)
    ? readdirSync(patchDir)
        .filter((name) => name.endsWith('.patch'))
        .map((name) => join('patches', name))
    : []
  const patched = patches.flatMap((patch) =>
    [...readFileSync(join(root, patch), 'utf8').matchAll(/^diff --git a\/(\S+) b\//gm)].map((match) => match[1]!),
  )
  const sources = inputs.filter((input) => !input.split('/').includes('node_modules'))
  return [...new Set([...sources, ...ALSO_WATCHED, ...patches, ...patched])].sort()
}

const CLOCK_MARGIN_MS = 100
const SOURCE_FILE = /\.(?:[cm]?js|[cm]?ts)$/
const WORKER_URL = /new URL\(\s*(['"])(\.{1,2}\/[^'"]+\.ts)\1\s*,\s*import\.meta\.url\s*\)/g

/** The plugin that keeps every module's own location (see the top of this file). */
function ownLocations(root: string, entries: Record<string, string>): Esbuild.Plugin {
  const entryNames = new Map(Object.entries(entries).map(([name, source]) => [resolve(root, source), name]))
  return {
    name: 'own-locations',
    setup(build) {
      build.onLoad({ filter: SOURCE_FILE }, (args) => {
        const text = readFileSync(args.path, 'utf8')
        if (!/import\.meta|__dirname|__filename/.test(text)) return undefined
        const url = pathToFileURL(args.path).href
        const dir = dirname(args.path)
        const rewritten = text
          .replace(WORKER_URL, (whole, _quote: string, target: string) => {
            const name = entryNames.get(resolve(dir, target))
            // Another entry: the bundled file beside this chunk (entries and chunks share one folder).
            return name ? `new URL(${JSON.stringify(`./${name}.js`)}, import.meta.__bundleUrl)` : whole
          })
          .replaceAll('import.meta.url', JSON.stringify(url))
          .replaceAll('import.meta.dirname', JSON.stringify(dir))
          .replaceAll('import.meta.filename', JSON.stringify(args.path))
          .replaceAll('import.meta.__bundleUrl', 'import.meta.url')
        // CommonJS modules: their own __dirname/__filename, declared inside esbuild's module wrapper.
        const cjs = /__dirname|__filename/.test(rewritten)
          ? `var __dirname = ${JSON.stringify(dir)}, __filename = ${JSON.stringify(args.path)};\n`
          : ''
        const loader = /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js'
        return { contents: cjs + rewritten, loader, resolveDir: dir }
      })
    },
  }
}

/** Which files each chunk holds (server/dist/chunks.json): the bundle's test checks laziness with it. */
export const CHUNKS = 'chunks.json'

/** esbuild's build of the server at `root` into `outDir`; resolves with the files it took in. */
async function esbuildBundle(esbuild: typeof Esbuild, root: string, outDir: string): Promise<string[]> {
  const entryPoints = Object.fromEntries(Object.entries(ENTRIES).map(([name, source]) => [name, join(root, source)]))
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints,
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    external: EXTERNAL,
    // Bundled CommonJS calls require() for Node's own modules and the externals.
    banner: {
      js: "import { createRequire as __parleyRequire } from 'node:module';const require = __parleyRequire(import.meta.url);",
    },
    plugins: [ownLocations(root, ENTRIES)],
    metafile: true,
    sourcemap: 'linked',
    legalComments: 'none',
    // Fewer bytes to read, decode and hash for the compile cache: ≈ 15 % less CPU per start
    // (measured). Names are kept, so stack traces still name functions; `node --enable-source-maps`
    // maps them to the sources (server/dist/*.map).
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'error',
  })
  const chunks = Object.fromEntries(
    Object.entries(result.metafile.outputs)
      .filter(([output]) => output.endsWith('.js'))
      .map(([output, { inputs }]) => [relative(outDir, join(root, output)), Object.keys(inputs)]),
  )
  writeFileSync(join(outDir, CHUNKS), JSON.stringify(chunks) + '\n')
  return Object.keys(result.metafile.inputs)
    .filter((input) => !input.startsWith('<') && existsSync(join(root, input)))
    .map((input) => relative(root, join(root, input)))
}

export type BundleOptions = {
  ifStale: boolean
  log?: (line: string) => void
  /** The repository to build (default: this one). */
  root?: string
}

/** Builds server/dist (only when stale with `ifStale`); resolves with whether it built. */
export async function buildServerBundle(options: BundleOptions): Promise<boolean> {
  const log = options.log ?? ((line: string) => console.log(line))
  const root = options.root ?? REPO
  // A development tool: an install without dev dependencies has none, and runs from the sources.
  const esbuild = await import('esbuild').catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') return null
    throw error
  })
  if (!esbuild) {
    log('server: esbuild is not installed (an install without dev dependencies): parley runs from the sources')
    return false
  }
  const stale = bundleStaleness(root, esbuild.version)
  if (options.ifStale && stale === null) return false
  log(
    stale === 'missing'
      ? 'server: bundling the server…'
      : `server: ${stale ?? 'rebuild asked'}, rebuilding the bundle…`,
  )
  const dist = distOf(root)
  const temporary = join(root, 'server', `.dist-${process.pid}-${randomUUID().slice(0, 8)}`)
  const began = Date.now()
  try {
    const inputs = await esbuildBundle(esbuild, root, temporary)
    const files = watchedFiles(root, inputs).flatMap((file) => {
      const stamp = fileStamp(join(root, file))
      return stamp ? [[file, ...stamp] as const] : []
    })
    // A file written while esbuild read it: this bundle may hold either version, so it is not kept.
    // File times come from the kernel's coarse clock (a tick of up to 10 ms behind), hence the margin.
    const changed = files.find(([, , , ctimeMs]) => ctimeMs >= began - CLOCK_MARGIN_MS)
    if (changed) {
      log(`server: ${changed[0]} changed during the build; running from the sources until the next build`)
      return false
    }
    const manifest = { version: MANIFEST_VERSION, root, esbuild: esbuild.version, files }
    writeFileSync(join(temporary, MANIFEST), JSON.stringify(manifest) + '\n')
    rmSync(dist, { recursive: true, force: true })
    renameSync(temporary, dist)
  } finally {
    rmSync(temporary, { recursive: true, force: true })
  }
  log(`server: bundled into ${relative(process.cwd(), dist) || dist} in ${Date.now() - began} ms`)
  return true
}

if (import.meta.main) {
  await buildServerBundle({ ifStale: process.argv.includes('--if-stale') })
}
