import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const pkg = (name: string): string =>
  fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url))
const coreAdapter = fileURLToPath(new URL('./packages/core/src/adapter/index.ts', import.meta.url))

export default defineConfig({
  resolve: {
    alias: {
      // Before the bare name: an alias matches its name as a prefix, in order.
      '@gitlab-id-token/core/adapter': coreAdapter,
      '@gitlab-id-token/core': pkg('core'),
      '@gitlab-id-token/testing': pkg('testing'),
      '@gitlab-id-token/express': pkg('express'),
      '@gitlab-id-token/fastify': pkg('fastify'),
      '@gitlab-id-token/koa': pkg('koa'),
      '@gitlab-id-token/gateway': pkg('gateway'),
      '@gitlab-id-token/redis': pkg('redis'),
      '@gitlab-id-token/cli': pkg('cli'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/soak/**'],
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts', 'test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
