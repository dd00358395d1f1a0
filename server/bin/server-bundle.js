// Whether server/dist holds a bundle of exactly the files it would be built from now. Plain
// JavaScript, like parley.js, which asks it on every start before anything TypeScript loads (so a
// start from the bundle never loads the TypeScript stripper). The build (server/scripts/bundle.ts)
// writes server/dist/manifest.json last, listing the files the bundle depends on — our sources it
// took in, the lockfiles (npm rewrites node_modules/.package-lock.json on every install), patches/
// and the node_modules files they patch, the build script — with size, mtime and ctime. A file
// written since (an edit, a checkout, an install, patch-package) has a new ctime, which no tool can
// set back, so a stale bundle never runs: any difference, a missing file, another checkout folder or
// another esbuild means "not fresh", and `parley` runs the TypeScript sources instead. Costs a few
// hundred stat() calls, no file reads. (A node_modules file edited by hand is not seen: run
// `npm run build:server` after that.)
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export const MANIFEST = 'manifest.json'
export const MANIFEST_VERSION = 1

/** The repository this file lives in (server/bin/ → ../..). */
export const REPO = join(import.meta.dirname, '..', '..')
export const distOf = (root) => join(root, 'server', 'dist')

/** [size, mtimeMs, ctimeMs] of a file, or null when it cannot be read. */
export function fileStamp(path) {
  try {
    const stat = statSync(path)
    return [stat.size, stat.mtimeMs, stat.ctimeMs]
  } catch {
    return null
  }
}

/**
 * Why the bundle in `root`/server/dist cannot run (`missing`, or `changed: FILE`), or null when it is
 * fresh. `esbuildVersion` is the one installed now (parley.js passes none: a new esbuild comes with
 * a new lockfile, which the manifest covers).
 */
export function bundleStaleness(root = REPO, esbuildVersion) {
  let manifest
  try {
    manifest = JSON.parse(readFileSync(join(distOf(root), MANIFEST), 'utf8'))
  } catch {
    return 'missing'
  }
  if (manifest.version !== MANIFEST_VERSION || manifest.root !== root) return 'missing'
  if (esbuildVersion !== undefined && manifest.esbuild !== esbuildVersion) return 'changed: esbuild'
  for (const [file, size, mtimeMs, ctimeMs] of manifest.files) {
    const now = fileStamp(join(root, file))
    if (!now || now[0] !== size || now[1] !== mtimeMs || now[2] !== ctimeMs) return `changed: ${file}`
  }
  return null
}

/** The URL of the bundle's entry (server/dist/main.js) when it is fresh, else null. */
export function freshBundle(root = REPO) {
  return bundleStaleness(root) === null ? pathToFileURL(join(distOf(root), 'main.js')).href : null
}
