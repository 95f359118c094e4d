/**
 * Reads the public surface of each package entry with the TypeScript checker: every exported
 * name, marked `value` or `type`, as a user's `import { … }` sees it (aliases resolved).
 */

import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** The entry points users import, by specifier. */
export const ENTRIES: Readonly<Record<string, string>> = {
  '@gitlab-id-token/core': 'packages/core/src/index.ts',
  '@gitlab-id-token/core/adapter': 'packages/core/src/adapter/index.ts',
  '@gitlab-id-token/express': 'packages/express/src/index.ts',
  '@gitlab-id-token/fastify': 'packages/fastify/src/index.ts',
  '@gitlab-id-token/koa': 'packages/koa/src/index.ts',
  '@gitlab-id-token/testing': 'packages/testing/src/index.ts',
  '@gitlab-id-token/gateway': 'packages/gateway/src/index.ts',
  '@gitlab-id-token/redis': 'packages/redis/src/index.ts',
  '@gitlab-id-token/cli': 'packages/cli/src/index.ts',
}

/** `specifier → ['type Name', 'value name', …]`, sorted. */
export function surfaceOf(): Map<string, string[]> {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    `${root}tsconfig.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => undefined,
    },
  )
  const files = Object.values(ENTRIES).map((file) => `${root}${file}`)
  const program = ts.createProgram(files, { ...parsed?.options, noEmit: true })
  const checker = program.getTypeChecker()
  const surface = new Map<string, string[]>()
  for (const [specifier, file] of Object.entries(ENTRIES)) {
    const source = program.getSourceFile(`${root}${file}`)
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source)
    const names = (module === undefined ? [] : checker.getExportsOfModule(module)).map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
      return `${target.flags & ts.SymbolFlags.Value ? 'value' : 'type'} ${symbol.name}`
    })
    surface.set(specifier, names.sort())
  }
  return surface
}
