// `pnpm test:soak`: the long soak and the 100,000-request bounds, excluded from `pnpm test`. Reuses
// the root config's aliases; runs the files one at a time with `--expose-gc` for heap figures.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import root from '../../vitest.config.js'

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: root.resolve ?? {},
  test: {
    include: ['test/soak/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    execArgv: ['--expose-gc'],
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 60_000,
  },
})
