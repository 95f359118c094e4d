/**
 * `gitlab-id-token serve --config gateway.yaml`: runs the gateway until Ctrl-C.
 *
 * @module
 */

import { resolve } from 'node:path'
import { loadGatewayConfig, startGateway } from '@gitlab-id-token/gateway'
import type { Command, CommandContext } from '../command.js'
import { stringFlag } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { UsageError } from '../usage-error.js'

async function run(context: CommandContext): Promise<number> {
  const { out, io } = context
  const file = stringFlag(context, 'config')
  if (file === undefined)
    throw new UsageError(
      '--config is required',
      'usage: gitlab-id-token serve --config gateway.yaml',
    )
  const config = await loadGatewayConfig(resolve(io.cwd, file))
  const gateway = await startGateway(config, { handleSignals: true })
  try {
    if (out.json) {
      out.document('serve', {
        ok: true,
        checkUrl: gateway.checkUrl,
        adminUrl: gateway.adminUrl,
        routes: config.routes.map((r) => r.name),
      })
    } else {
      // stdout carries the gateway's JSON log lines; the addresses go to stderr.
      out.warn(
        `gateway (${config.profile}) check ${gateway.checkUrl}, admin ${gateway.adminUrl}; ${config.routes.length} route(s); SIGHUP reloads, Ctrl-C stops`,
      )
    }
    await io.untilStopped()
    return EXIT.ok
  } finally {
    await gateway.close()
  }
}

/** `serve --config FILE`. */
export const serve: Command = {
  name: 'serve',
  usage: 'serve --config gateway.yaml [--json]',
  description:
    'Starts @gitlab-id-token/gateway with the config: the check endpoint for the proxy and the admin endpoint (/healthz, /readyz, /metrics, /jwks.json), after loading the key sets. Runs until Ctrl-C; SIGHUP reloads the config. An invalid config exits 4 (lint it first).',
  flags: { config: { type: 'string', value: 'FILE', help: 'the gateway config' } },
  examples: ['gitlab-id-token serve --config gateway.yaml'],
  maxPositionals: 0,
  run,
}
