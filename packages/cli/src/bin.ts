#!/usr/bin/env node
/**
 * The `gitlab-id-token` executable.
 *
 * @module
 */

import { processIo } from './io.js'
import { run } from './main.js'

process.exitCode = await run(process.argv.slice(2), processIo())
