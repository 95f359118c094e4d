/**
 * `pnpm demo`: runs examples/gitlab-ci.yml against the example deploy services and a mock GitLab,
 * all on loopback, and exits non-zero unless every answer is the one the example policy promises.
 */

import { runDemo } from './run-demo.js'
import { formatServerLog, formatTable } from './table.js'

const rows = await runDemo()
console.log(
  '\nexamples/gitlab-ci.yml against the example deploy services (mock GitLab on loopback)\n',
)
console.log(formatTable(rows))
console.log(
  '\nServer-side log of the refusals, from onDecision (the job sees error, error_description, code\n' +
    'and the same request_id):',
)
console.log(formatServerLog(rows))
const failed = rows.filter((row) => !row.ok).length
console.log(
  failed === 0
    ? `\nall ${rows.length} answers as promised`
    : `\n${failed} of ${rows.length} answers differ`,
)
process.exitCode = failed === 0 ? 0 : 1
