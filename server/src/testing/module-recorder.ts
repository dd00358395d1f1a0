/**
 * A loader hook for tests that check what a process loads (`node --import <this file> …`): records
 * the URL of every module loaded — ES modules and CommonJS alike, through `module.registerHooks` —
 * and writes them, one a line, to the file named by MODULE_RECORDER_LOG when the process exits.
 */
import { writeFileSync } from 'node:fs'
import { registerHooks } from 'node:module'

// eslint-disable-next-line no-restricted-properties -- the test harness's own knob, not server configuration
const file = process.env.MODULE_RECORDER_LOG
const loaded = new Set<string>()
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url)
    return nextLoad(url, context)
  },
})
process.on('exit', () => {
  if (file) writeFileSync(file, [...loaded].join('\n') + '\n')
})
