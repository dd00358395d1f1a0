#!/usr/bin/env node
// The `parley` command. Parley runs on Node 24 (it runs its TypeScript directly); the project
// brings that Node as a dev dependency, so `npx parley` and `npm run parley --` use it.
//
// This file is plain JavaScript on purpose: it turns on Node's module compile cache before the first
// TypeScript module loads. The cache keeps both the stripped TypeScript and V8's compiled code of
// every module, so a restart skips most of the cost of loading a few hundred modules, and never
// loads the TypeScript stripper at all (≈ 18 MB) — which it would already have done for this file,
// were it TypeScript. The cache lives in node_modules/.cache/parley (where tools keep their caches:
// shared by every data folder, gone with a fresh install); NODE_COMPILE_CACHE=DIR puts it elsewhere
// and NODE_DISABLE_COMPILE_CACHE=1 turns it off (both read by Node itself). Nothing depends on it:
// Node compiles as usual when the cache is missing, stale or cannot be written.
//
// It then runs the server's bundle (server/dist, built by `npm start` through server/scripts/bundle.ts)
// when the bundle was made from exactly the files there now (server-bundle.js checks), and the
// TypeScript sources otherwise: a stale bundle never runs, and a checkout without one works as before.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  process.stderr.write(
    `parley needs Node.js 24 or newer, this is ${process.version}.\n` +
      'Run it through npm, which uses the Node the project installs: npx parley <command>  or  npm run parley -- <command>\n',
  )
  process.exit(1)
}

/** node_modules/.cache/parley of the nearest folder up from here that has a node_modules. */
function compileCacheDir(from) {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir))
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'parley')
  return undefined
}

// Imported only now: a static import of enableCompileCache fails on a Node that lacks it (before 22.1)
// with a SyntaxError, before the version check above could say what to do.
const { enableCompileCache } = await import('node:module')
enableCompileCache(compileCacheDir(import.meta.dirname))
const { freshBundle } = await import('./server-bundle.js')
await import(freshBundle() ?? '../src/main.ts')
