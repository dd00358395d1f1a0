#!/usr/bin/env node
// The `parley` command. Parley runs on Node 24 (it runs its TypeScript directly); the project
// brings that Node as a dev dependency, so `npx parley` and `npm run parley --` use it.
const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  process.stderr.write(
    `parley needs Node.js 24 or newer, this is ${process.version}.\n` +
      'Run it through npm, which uses the Node the project installs: npx parley <command>  or  npm run parley -- <command>\n',
  )
  process.exit(1)
}
await import('../src/main.ts')
