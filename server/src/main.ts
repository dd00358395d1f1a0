/**
 * The one entry point: hands the command line and the environment to the CLI (the only place that
 * sees `process.env` is the config loader it calls), then exits with the command's status.
 */
import { runCli } from './cli/cli.ts'

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
})
if (code !== 'serving') process.exit(code)
