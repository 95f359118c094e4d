// The coverage gate (`pnpm test:coverage`): core's own unit tests against core's sources, so a
// core change cannot lean on the cross-package suites for its coverage. The thresholds are what
// the suite reached when the gate was set; raise them with the suite, never lower them.
import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['packages/core/test/**/*.test.ts'],
    typecheck: { enabled: false },
    coverage: {
      provider: 'v8',
      include: ['packages/core/src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 96, branches: 90 },
    },
  },
})
