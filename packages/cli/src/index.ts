/**
 * `@gitlab-id-token/cli`: the `gitlab-id-token` command, also callable in-process.
 *
 * @module
 */

export { run } from './main.js'
export { COMMANDS } from './registry.js'
export type { CommandEntry } from './registry.js'
export { processIo } from './io.js'
export type { CliIo, InputStream, OutputStream } from './io.js'
export { EXIT, exitCodeFor } from './exit-codes.js'
export { JSON_VERSION } from './output.js'
export type { Command } from './command.js'
