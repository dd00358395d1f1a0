/**
 * `npm run test:media`: creates the private network namespace (netns.ts) and runs the media tests
 * inside it with node --test. Needs root (CI runs as root); without the capability it stops with a
 * clear message instead of skipping.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { NETNS_SETUP } from './netns.ts'

function fail(message: string): never {
  console.error(`test:media: ${message}`)
  process.exit(1)
}

const probe = spawnSync('unshare', ['-n', 'ip', 'link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1'], {
  encoding: 'utf8',
})
if (probe.error)
  fail(`cannot run unshare/ip (${probe.error.message}): install util-linux and iproute2 (.ci/install-media-deps.sh)`)
if (probe.status !== 0) {
  fail(
    `cannot create a private network namespace with a veth pair (${(probe.stderr || '').trim() || `exit ${probe.status}`}). ` +
      `Media tests need root (uid 0 here: ${process.getuid?.() === 0 ? 'yes' : 'no'}) or CAP_SYS_ADMIN + CAP_NET_ADMIN; CI runs them as root.`,
  )
}

// `run.ts --script file.ts` runs one plain script (a benchmark) in the namespace instead of tests.
const here = import.meta.dirname
const args = process.argv.slice(2)
const nodeArgs =
  args[0] === '--script'
    ? ['--disable-warning=ExperimentalWarning', ...args.slice(1)]
    : [
        '--disable-warning=ExperimentalWarning',
        '--test',
        '--test-concurrency=1',
        ...(args.length > 0
          ? args
          : readdirSync(here)
              .filter((f) => f.endsWith('.test.ts'))
              .map((f) => relative(process.cwd(), join(here, f)))),
      ]
const child = spawn(
  'unshare',
  ['-n', '--', 'sh', '-c', `${NETNS_SETUP} && exec "$0" "$@"`, process.execPath, ...nodeArgs],
  { stdio: 'inherit' },
)
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
