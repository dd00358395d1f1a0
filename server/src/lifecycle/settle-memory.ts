/**
 * Gives back, once startup is over, the memory that startup needed and idle serving does not.
 *
 * Loading ~1,900 modules and building the app allocates fast, so V8 grows the young generation to
 * its maximum (64 MB of semi-spaces committed, of which well under 1 MB is in use once ready) and
 * only shrinks it in a garbage collection that aims to reduce memory — which an idle server never
 * triggers: with nothing allocated, no collection runs. Measured with `npm run bench:startup`, that
 * was about 35 MB of the idle server's resident memory. One memory-reducing collection after
 * startup gives it back; it grows again by itself when load comes.
 *
 * Node offers no call for that collection without `--expose-gc` on the command line (which
 * `npx parley` cannot add), so the flag is set at run time and `gc` taken from a new context, the
 * only place V8 installs it after startup. `execution: 'async'` makes it incremental: it does not
 * stop the world for the ~150 ms a synchronous one takes.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

type GcOptions = { type: 'major'; execution: 'async'; flavor: 'last-resort' }

/** Starts one incremental, memory-reducing garbage collection (returns at once). */
export function settleMemory(): void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as (options: GcOptions) => void
  // Contexts made later (by anyone) do not get a `gc` global.
  setFlagsFromString('--no-expose-gc')
  // last-resort: the collection that reduces memory (it shrinks the young generation too).
  gc({ type: 'major', execution: 'async', flavor: 'last-resort' })
}
