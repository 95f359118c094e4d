/**
 * Standalone: `pnpm --filter @gitlab-id-token/bench exec tsx src/redis/main.ts`.
 */

import { renderRedisReplayMarkdown, runRedisReplayBench } from './replay-overhead.js'

const result = await runRedisReplayBench({ log: (line) => console.error(line) })
console.log(renderRedisReplayMarkdown(result))
