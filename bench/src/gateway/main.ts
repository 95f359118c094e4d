/**
 * Standalone: `pnpm --filter @gitlab-id-token/bench exec tsx src/gateway/main.ts`.
 */

import { renderGatewayBenchMarkdown, runGatewayBench } from './gateway-bench.js'

const result = await runGatewayBench({ log: (line) => console.error(line) })
console.log(renderGatewayBenchMarkdown(result))
