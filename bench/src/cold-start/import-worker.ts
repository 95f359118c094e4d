/**
 * Child process: imports one module (the specifier in argv[2]) into a fresh process and reports
 * how long the `import()` took. Nothing else of the bench is loaded before it but node's own
 * modules, so the time is what a service pays at start-up for this package and everything it
 * pulls in.
 */

import { performance } from 'node:perf_hooks'
import { errorMessage, exitWithParent, sendToParent } from '../harness/child-ipc.js'

exitWithParent()
const specifier = process.argv[2] ?? ''
try {
  const start = performance.now()
  await import(specifier)
  const ms = performance.now() - start
  await sendToParent({ type: 'result', data: { ms } })
  process.exit(0)
} catch (err) {
  await sendToParent({ type: 'error', message: errorMessage(err) })
  process.exit(1)
}
