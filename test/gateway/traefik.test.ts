/**
 * The gateway contract through Traefik ForwardAuth with examples/gateway/traefik-dynamic.yml:
 * the contract emulator (support/emulators.ts, citing forward.go), or the real binary when
 * TRAEFIK_BIN points at one.
 */

import { gatewayContract } from './support/contract.js'
import { startTraefikEmulator } from './support/emulators.js'
import { prepareProxy, spawnServer } from './support/servers.js'

const bin = process.env.TRAEFIK_BIN

gatewayContract(
  bin === undefined ? 'Traefik (contract emulator)' : 'Traefik (real binary)',
  'traefik',
  async (env) => {
    const { port, dir, render } = await prepareProxy(env, 'traefik')
    const dynamic = render('traefik-dynamic.yml')
    if (bin === undefined) return startTraefikEmulator(dynamic, port)
    const staticFile = render('traefik.yml')
    const traefik = await spawnServer(bin, [`--configFile=${staticFile}`], { cwd: dir, port })
    return { port, stop: () => traefik.stop() }
  },
  // forward.go: an unreachable auth service is a 500; non-2xx answers are copied whole.
  { gatewayDown: 500, retryAfterOn503: true, challengeOn403: true },
)
