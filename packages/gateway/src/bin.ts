#!/usr/bin/env node
/**
 * `gitlab-id-token-gateway --config gateway.yaml`: load, validate, start, reload on `SIGHUP`.
 * Exit codes follow sysexits (research note §6.4): 64 usage, 78 invalid config.
 *
 * @module
 */

import cluster from 'node:cluster'
import { parseArgs } from 'node:util'
import { isGitlabIdTokenError } from '@gitlab-id-token/core'
import { runWorkers } from './cluster.js'
import { answerAdminOverIpc } from './fleet-admin.js'
import { loadGatewayConfig } from './load-config.js'
import { startGateway } from './start-gateway.js'

const USAGE = 'usage: gitlab-id-token-gateway --config gateway.yaml [--check]\n'

async function main(): Promise<void> {
  let values: {
    config?: string | undefined
    check?: boolean | undefined
    help?: boolean | undefined
  }
  try {
    ;({ values } = parseArgs({
      options: {
        config: { type: 'string', short: 'c' },
        check: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`)
    process.exit(64)
  }
  if (values.help === true) {
    process.stdout.write(USAGE)
    return
  }
  const path = values.config ?? process.env.GITLAB_ID_TOKEN_GATEWAY_CONFIG
  if (path === undefined) {
    process.stderr.write(`--config is required\n${USAGE}`)
    process.exit(64)
  }
  let config
  try {
    config = await loadGatewayConfig(path)
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(isGitlabIdTokenError(error, 'ERR_INVALID_CONFIG') ? 78 : 1)
  }
  if (values.check === true) {
    process.stdout.write(
      `${config.source}: OK (${config.routes.length} routes, profile ${config.profile})\n`,
    )
    return
  }
  const loaded = config
  const fleet = loaded.workers > 1
  await runWorkers(
    loaded.workers,
    async () => {
      // In a fleet the primary serves the admin port and asks each worker over IPC.
      const worker = fleet && cluster.isWorker
      const gateway = await startGateway(loaded, { handleSignals: true, serveAdmin: !worker })
      if (worker) answerAdminOverIpc(gateway)
      const stop = (): void => void gateway.close().then(() => process.exit(0))
      process.once('SIGTERM', stop)
      process.once('SIGINT', stop)
    },
    loaded.admin,
  )
}

void main()
