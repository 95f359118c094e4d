/**
 * The gateway contract through Envoy HTTP ext_authz with examples/gateway/envoy.yaml: the
 * contract emulator (support/emulators.ts, citing ext_authz_http_impl.cc), or the real binary
 * when ENVOY_BIN points at one.
 */

import { gatewayContract } from './support/contract.js'
import { startEnvoyEmulator } from './support/emulators.js'
import { prepareProxy, spawnServer } from './support/servers.js'

const bin = process.env.ENVOY_BIN

gatewayContract(
  bin === undefined ? 'Envoy (contract emulator)' : 'Envoy (real binary)',
  'envoy',
  async (env) => {
    const { port, dir, render } = await prepareProxy(env, 'envoy')
    const bootstrap = render('envoy.yaml')
    if (bin === undefined) return startEnvoyEmulator(bootstrap)
    const envoy = await spawnServer(
      bin,
      ['-c', bootstrap, '--base-id', String(port), '--log-level', 'warn'],
      { cwd: dir, port },
    )
    return { port, stop: () => envoy.stop() }
  },
  // toResponse: a 5xx or no answer is status_on_error (503) without the gateway's Retry-After.
  { gatewayDown: 503, retryAfterOn503: false, challengeOn403: true },
)
